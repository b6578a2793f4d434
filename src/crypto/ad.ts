/**
 * Associated data bound into every envelope: a wrapped key or a ciphertext only
 * opens for the subject, field or secret it was made for, so a value copied to
 * another row fails to decrypt instead of being read as someone else's.
 */
export const dekAd = (subjectId: string) => `dek:${subjectId}`;
export const fieldAd = (subjectId: string, context: string) => `field:${subjectId}:${context}`;
export const secretAd = (name: string) => `secret:${name}`;
