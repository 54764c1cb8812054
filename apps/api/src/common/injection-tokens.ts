/** Nest injection tokens for the infrastructure the composition root hands to the API module. */
export const APP_CONFIG = Symbol('AppConfig');
export const TEMPORAL_CLIENT = Symbol('TemporalClient');
export const LOGGER = Symbol('Logger');
export const TEMPORAL_ADDRESS = Symbol('TemporalAddress');
/** The HS256 secret access tokens are verified with (a string of at least 32 characters). */
export const ACCESS_TOKEN_SECRET = Symbol('AccessTokenSecret');
/** The payload codec (an EncryptionCodec) the API's Temporal client uses; the codec endpoint serves it. */
export const PAYLOAD_CODEC = Symbol('PayloadCodec');
