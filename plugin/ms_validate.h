/* ms_validate.h: the plugin's settings and streams, validated from the
 * trees Janus's own reader builds (pure).
 *
 * The files are parsed by janus_config_parse (libconfig) on the Janus side
 * (ms_config.c); a syntax error there costs the whole file. Here the trees
 * are checked: every bad entry is reported with its file and stream name
 * and skipped; the rest loads.
 *
 * What Janus's tree is: every value is a string (numbers as decimal text,
 * booleans as "true"/"false"), so `pin = 1234` reads as the pin "1234";
 * no line numbers; names are compared ignoring case (janus_config_get), and
 * of two names of one group that differ only in case the tree keeps the
 * last (libconfig itself rejects an exact duplicate as a syntax error).
 * Lookups here ignore case the same way: `General`, `Secret`, and a stream
 * name repeated across files in another case is a duplicate. Stream names
 * as clients ask for them, and the PARENT of `ffmpeg:PARENT`, are exact. */
#ifndef MS_VALIDATE_H
#define MS_VALIDATE_H

#include <glib.h>
#include "config.h"	/* Janus's janus_config trees (types only) */
#include "ms_source_url.h"

/* The general section. */
typedef struct ms_settings {
	guint max_slots;		/* slots per PeerConnection (default 9) */
	guint disconnect_grace;		/* seconds a silent PeerConnection may recover (10) */
	guint rtcp_timeout;		/* seconds without RTCP before the grace starts (3) */
	guint source_linger;		/* seconds a source outlives its last consumer (5) */
	guint source_timeout;		/* seconds without packets before "offline" (2) */
	gsize gop_cache_bytes;		/* bound of each source's GOP cache (2 MB) */
	gint64 gop_cache_age;		/* oldest keyframe worth replaying, us (10 s) */
	char *ffmpeg;			/* ffmpeg binary */
	gboolean events;		/* notify Janus event handlers */
	char *admin_key;		/* required by admin requests when set */
	guint max_sessions;		/* multistream sessions per Janus (0: no cap) */
	guint max_requests_per_second;	/* per session (0: no cap) */
	guint heap_trim_interval;	/* seconds between returns of free heap to the OS (0: never) */
	guint setup_timeout;		/* seconds from init until media must be up (0: no limit) */
	guint auth_failures;		/* failed token checks per session before a lock (5) */
	guint auth_failures_global;	/* failed token checks per minute, plugin-wide, before a lock (20) */
	gboolean h265_transcode;	/* serve H265 streams to slots without H265 through an H264 transcode (TRUE) */
	gboolean auto_warm;		/* keep the candidates next to an auto slot's pick running (TRUE) */
	guint auto_probe_above;		/* percent: a round of bandwidth steps up taking the
					 * slots' sum above this much of what it is is proven
					 * by a padding probe first (150; 100: every round) */
	gboolean admin_locked;		/* admin_key set but unusable: refuse every admin request */
} ms_settings;

/* One usable stream. */
typedef struct ms_stream_def {
	char *name;
	char *file;		/* label of the file it came from */
	ms_source_url *url;		/* parsed source */
	gboolean preload;
	char *secret;		/* access control, or NULL */
	char *pin;
} ms_stream_def;

/* One file of the streams folder: its tree, NULL when it could not be
 * parsed (its streams are unknown, see ms_validate). */
typedef struct ms_config_file {
	const char *label;
	const janus_config *tree;
} ms_config_file;

typedef struct ms_validated {
	ms_settings settings;
	GPtrArray *streams;	/* ms_stream_def*, in reading order */
	GPtrArray *problems;	/* char*: "FILE: stream 'x' skipped: ..." */
} ms_validated;

/* Defaults of every setting (strings g_strdup'ed). */
void ms_settings_defaults(ms_settings *s);
void ms_settings_clear(ms_settings *s);

/* Validate the main file's tree (NULL: no file, defaults) and then the
 * streams folder's files in order, each holding only `streams: { }`; labels
 * name the files in problems. A name seen before (in any file, even if
 * skipped there) is a duplicate: the first wins. Skipped with a stream is
 * what derives from it: its ffmpeg: variants and a stream whose name makes
 * it one of its qualities (`vault-hd` of `vault`); and while a folder file
 * could not be parsed, a non-ffmpeg stream named as a quality of a stream
 * that is not configured (it may be a quality of a stream in that file, and
 * must not load without that stream's protection). Never NULL. */
ms_validated *ms_validate(const janus_config *tree, const char *tree_label,
	const ms_config_file *files, guint n_files);
void ms_validated_free(ms_validated *v);

#endif
