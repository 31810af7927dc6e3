import { z } from 'zod';

/*
 * App updates (issue 14): the desktop shell checks a generic update feed
 * (electron-updater), downloads in the background and installs on restart.
 * The person picks the channel on the About page; the shell tells the page
 * what it is doing over `updates:changed`.
 */

/** Which releases a desk takes: stable only, or betas (prereleases) too. */
export const UPDATE_CHANNELS = ['stable', 'beta'] as const;
export const UpdateChannelSchema = z.enum(UPDATE_CHANNELS);
export type UpdateChannel = z.infer<typeof UpdateChannelSchema>;

/**
 * Where the updater is. `unavailable`: this desk does not update itself (browser
 * mode, a checkout, no feed configured) and `message` says why; `ready`: the
 * update is downloaded and installs on restart.
 */
export const UPDATE_STATES = ['unavailable', 'idle', 'checking', 'downloading', 'ready', 'error'] as const;

/** What `updates:status` answers and `updates:changed` carries. */
export const UpdateStatusSchema = z.object({
  channel: UpdateChannelSchema,
  state: z.enum(UPDATE_STATES),
  /** The feed checked, or null when none is configured. */
  feedUrl: z.string().nullable(),
  /** The version found (downloading or ready), else null. */
  version: z.string().nullable(),
  /** Download progress, 0–100, while downloading. */
  percent: z.number().min(0).max(100).nullable(),
  /** Why updates are unavailable, or what failed and what to do next. */
  message: z.string().nullable(),
  /** When the feed was last checked (ISO time), or null. */
  checkedAt: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;

export const UpdatesSetChannelInputSchema = z.strictObject({ channel: UpdateChannelSchema });
