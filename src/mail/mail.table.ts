/** The development inbox: what the built-in SMTP server on loopback received. */
export interface DevInboxTable {
  id: string;
  received_at: number;
  envelope_from: string;
  /** JSON array of recipients. */
  envelope_to: string;
  subject: string;
  /** The whole message as received (RFC 5322). */
  raw: string;
}

export interface MailTables {
  dev_inbox: DevInboxTable;
}
