/* ms_rewrite.h: per-slot RTP rewriter (pure, no allocation, no locks).
 *
 * One per slot, and one for a session's audio m-line. Whatever feeds it, the
 * browser sees one stream:
 * fixed SSRC, the negotiated payload type, sequence numbers that continue
 * (+1 across every switch) and timestamps that never go backwards and keep
 * media time on the wall clock (a browser's jitter buffer plays frames at
 * their timestamps: a replayed GOP must not look late, a switch must not
 * look like a jump):
 *
 * - Replay (a cached GOP sent at switch): the first replayed frame gets the
 *   last sent timestamp plus the wall time since that timestamp went out
 *   (at least 1 tick of 90 kHz); each further cached frame +1 tick (packets
 *   of one frame share a timestamp); sequence numbers +1 per packet.
 * - Live: after ms_rewrite_rebase() the next live packet is anchored the same
 *   way (last ts + wall time since, >= 1 tick; or the same ts when it
 *   continues the frame that the replay ended with); later live packets keep
 *   the source's own timestamp spacing and sequence gaps (so the browser can
 *   see upstream loss). A source jump (timestamp backwards or more than 5 s
 *   ahead, sequence backwards or more than 1000 ahead) re-anchors instead of
 *   jumping; an older (reordered/duplicate) packet is dropped.
 * The caller owns locking; the struct is embedded in the slot. */
#ifndef MS_REWRITE_H
#define MS_REWRITE_H

#include <glib.h>

typedef struct ms_rewrite {
	guint32 ssrc;		/* outgoing SSRC (the core may overwrite it) */
	guint8 pt;		/* negotiated payload type */
	guint clock;		/* RTP clock rate, Hz (90000 unless set) */
	gboolean started;	/* anything sent yet */
	guint16 seq;		/* last sent sequence number */
	guint32 ts;		/* last sent timestamp */
	gint64 ts_wall;		/* monotonic us when timestamp ts was first sent */
	gboolean frame_open;	/* last sent packet lacked the marker bit */
	/* live mapping */
	gboolean anchored;	/* offsets below are valid */
	guint32 ts_offset;	/* out_ts = src_ts + ts_offset */
	guint16 seq_offset;	/* out_seq = src_seq + seq_offset */
	/* last source packet seen (replay or live) */
	gboolean have_src;
	guint32 src_ts;
	guint16 src_seq;
	gboolean replaying;	/* inside a replay burst */
} ms_rewrite;

/* Reset for a new PeerConnection m-line. The first packet ever sent starts
 * at a random sequence number and timestamp. */
void ms_rewrite_init(ms_rewrite *rw, guint32 ssrc, guint8 pt);
/* The clock of what follows (audio: 48000 or 8000); wall time is turned into
 * ticks of it. Ignored outside 1000..90000. */
void ms_rewrite_set_clock(ms_rewrite *rw, guint clock);
/* A new source (or a replay of the same source's cache, after_replay=TRUE)
 * follows: the next live packet is re-anchored as described above. */
void ms_rewrite_rebase(ms_rewrite *rw, gboolean after_replay);
/* Rewrite one packet of a cached GOP in place. first=TRUE for the first
 * packet of a burst. Packets are valid RTP (parsed once where they entered
 * the plugin, ms_packet.h): only the header's numbers are read here. */
void ms_rewrite_replay(ms_rewrite *rw, guint8 *pkt, gsize len, gboolean first, gint64 now_us);
/* Rewrite a live packet (valid RTP, as above) in place; FALSE means drop
 * it (older than what was already sent, or shorter than an RTP header). */
gboolean ms_rewrite_live(ms_rewrite *rw, guint8 *pkt, gsize len, gint64 now_us);
/* Build a padding-only packet (no media: pad bytes of RTP padding,
 * 1..255) into buf (room for MS_RTP_HEADER_LEN + 255): the next sequence
 * number, the last timestamp, no marker. Only between frames of a stream
 * that started (the receiver must not see a frame's packets apart), and
 * not inside a replay; live packets that follow keep counting after it.
 * Returns its length, 0 when none may go now. */
gsize ms_rewrite_padding(ms_rewrite *rw, guint8 *buf, guint pad);
/* TRUE while the last packet sent did not end a frame (no marker bit): a
 * switch must not cut in now. */
static inline gboolean ms_rewrite_frame_open(const ms_rewrite *rw) { return rw->frame_open; }

#endif
