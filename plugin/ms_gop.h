/* ms_gop.h: per-source GOP cache (pure, preallocated, bounded).
 *
 * Holds the RTP packets of the source's current GOP: the keyframe material
 * (parameter sets and the keyframe: everything carrying the keyframe's
 * timestamp) and every packet since. A slot switching to the source replays
 * it so the decoder starts on a keyframe at once (docs/protocol.md, "How a
 * switch works" in the README). Codec-neutral: it reads the MS_PKT_* facts
 * of ms_packet (ms_codec.h).
 *
 * Rules:
 * - A new GOP begins at a packet carrying keyframe material whose RTP
 *   timestamp differs from the current GOP's keyframe timestamp (SPS and PPS
 *   arrive as separate packets just before the IDR, same timestamp).
 * - Packets before the first keyframe are ignored.
 * - A sequence gap (lost packet) or an overflow of max_bytes/max_packets
 *   invalidates the cache until the next keyframe: never replay a broken GOP.
 * - All storage is allocated in ms_gop_new(); ms_gop_push() never allocates.
 * Not thread-safe: the owning source serialises access. */
#ifndef MS_GOP_H
#define MS_GOP_H

#include <glib.h>
#include "ms_packet.h"

typedef struct ms_gop ms_gop;

/* Flags returned by ms_gop_push(). */
enum {
	MS_GOP_STORED = 1 << 0,		/* packet is now in the cache */
	MS_GOP_NEW_KEYFRAME = 1 << 1,	/* packet started a new GOP */
	MS_GOP_INVALIDATED = 1 << 2,	/* cache dropped (gap or overflow) */
};

ms_gop *ms_gop_new(gsize max_bytes, guint max_packets);
void ms_gop_free(ms_gop *g);
/* Feed one parsed RTP packet (ms_packet_parse) of the source. */
guint ms_gop_push(ms_gop *g, const ms_packet *p, gint64 now_us);
/* TRUE when the cache holds a complete GOP start whose keyframe arrived no
 * more than max_age_us ago (max_age_us <= 0: no age limit). */
gboolean ms_gop_ready(const ms_gop *g, gint64 now_us, gint64 max_age_us);
/* TRUE when, judging by the interval between the last two keyframes, the
 * source's next keyframe should arrive within margin_us (and is at most
 * 250 ms late). A switch then waits for it instead of replaying a nearly
 * complete GOP whose frames the decoder would drop at the new keyframe. */
gboolean ms_gop_keyframe_due(const ms_gop *g, gint64 now_us, gint64 margin_us);
guint ms_gop_count(const ms_gop *g);
/* i-th cached packet (0 = first keyframe packet); NULL when out of range. */
const guint8 *ms_gop_packet(const ms_gop *g, guint i, gsize *len);
gsize ms_gop_bytes(const ms_gop *g);
void ms_gop_reset(ms_gop *g);

#endif
