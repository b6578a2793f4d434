/** The PostgreSQL channel nodes tell each other of consent and register changes on. */
export const CONSENT_CHANNEL = 'maxfiy_consents';
/** The NOTIFY payload that means "reload the register"; any other payload is a subject id. */
export const REGISTER_CHANGED = '#register';
