import type { CustomerMessage } from './channels.js';

/**
 * What maxfiy sends customers. Texts carry no personal data beyond what the
 * recipient already has (their own code, a device summary). English for now:
 * the four-language versions come with the screens round.
 */
export const messages = {
  code(code: string, purpose: 'signup' | 'reset' | 'contact'): CustomerMessage {
    const what =
      purpose === 'signup'
        ? 'to create your account'
        : purpose === 'reset'
          ? 'to reset your password'
          : 'to confirm this address';
    return {
      subject: `Your maxfiy code: ${code}`,
      text: `Your code ${what} is ${code}. It works for 10 minutes. If you did not ask for it, ignore this message.`,
    };
  },

  /** Sent instead of a code when someone tries to sign up with an address that already has an account. */
  alreadyRegistered(publicUrl: string): CustomerMessage {
    return {
      subject: 'You already have a maxfiy account',
      text: `Someone (perhaps you) tried to create an account with this address, which already has one. To get in, sign in at ${publicUrl}/signin or reset your password there. If it was not you, you need do nothing.`,
    };
  },

  /** Sent when someone asks to move another account's contact to this address. */
  contactInUse(): CustomerMessage {
    return {
      subject: 'Your address was entered on another account',
      text: 'Someone tried to add this address to another maxfiy account. It stays with yours; no code was sent. If it was you, sign in to your own account instead.',
    };
  },

  newDevice(device: string, reportUrl: string): CustomerMessage {
    return {
      subject: 'New sign-in to your maxfiy account',
      text: `Your account was just signed in from ${device}. If this was you, there is nothing to do. If it was not, open this link at once: it ends every session and blocks password sign-in until you reset it.\n\n${reportUrl}\n\nThe link works once, for 7 days.`,
    };
  },

  compromiseDone(publicUrl: string): CustomerMessage {
    return {
      subject: 'We acted on your compromise report',
      text: `You reported that your maxfiy account may be compromised. We have ended every session, blocked sign-in with the password, and told our security team. To get back in, reset your password through your verified e-mail or phone at ${publicUrl}/reset.`,
    };
  },

  passwordChanged(): CustomerMessage {
    return {
      subject: 'Your maxfiy password was changed',
      text: 'The password of your maxfiy account was just changed, and your other sessions were ended. If this was not you, reset the password at once and report it from the cabinet.',
    };
  },

  securityIncident(incidentId: string, source: string): CustomerMessage {
    return {
      subject: `Compromise report ${incidentId}`,
      text: `A customer reported a compromised account (source: ${source}). Incident ${incidentId} is open; see it in the console under Incidents. Sessions are ended and password sign-in is blocked.`,
    };
  },
};
