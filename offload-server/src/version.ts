// The server's version, reported to clients and in logs.
export const SERVER_VERSION = '0.1.0';
