/** 1 MiB chunks: measured as the sweet spot for openpgp throughput vs memory (DESIGN). */
export const CHUNK = 1 << 20;
