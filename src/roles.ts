/** The four roles one image can run; `all` (config) starts every role in one process for local runs. */
export const ROLES = ['inject', 'cancel', 'control', 'holder-sync'] as const;
export type Role = (typeof ROLES)[number];
