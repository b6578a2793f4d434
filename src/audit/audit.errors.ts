import { defineErrors } from '../i18n/errors-define.js';

export const auditErrors = defineErrors({});
