// Electron channel names are derived from contract method names; these prefixes are the only literals.
export const CALL_CHANNEL_PREFIX = 'lockstep:call:';
export const STREAM_CHANNEL = 'lockstep:stream';
/** Electron only, outside the contract: the preload reports paths of files the user dropped or picked (webUtils). */
export const GRANT_CHANNEL = 'lockstep:grant-files';
