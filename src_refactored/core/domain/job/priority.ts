/** BullMQ stores priorities in 21 bits; the same bound keeps migrated code valid (checked by jobsOptionsSchema). */
export const MAX_PRIORITY = 2_097_151;
