/* ms_rtp.h: minimal RTP header access (RFC 3550), pure, no allocation. */
#ifndef MS_RTP_H
#define MS_RTP_H

#include <glib.h>

#define MS_RTP_MAX_PACKET 1500
#define MS_RTP_HEADER_LEN 12

/* Validate an RTP packet and locate its payload (skipping CSRCs, the header
 * extension and padding). Returns FALSE for anything that is not RTP v2 or
 * is truncated. */
gboolean ms_rtp_parse(const guint8 *buf, gsize len, gsize *payload_off, gsize *payload_len);

#define MS_RTCP_MAX_HIGHEST 8

/* What a viewer's RTCP compound packet says about its connection (RFC 3550
 * receiver report blocks of RR and SR, RFC 4585 generic NACK, REMB). */
typedef struct ms_rtcp_feedback {
	guint reports;		/* report blocks read */
	guint loss_max;		/* the largest fraction lost of them (0..255) */
	guint loss_sum;		/* their sum (for a mean: / reports) */
	guint nacked;		/* packets asked for again (PID + BLP bits) */
	guint64 remb_bps;	/* the last REMB's bitrate, 0 when none */
	guint remb;		/* REMB messages */
	guint transport_cc;	/* transport-wide congestion control feedback messages */
	guint pli_fir;		/* picture loss / full intra requests */
	/* The highest sequence number received (its low 16 bits) of the
	 * first MS_RTCP_MAX_HIGHEST report blocks */
	guint n_highest;
	guint16 highest[MS_RTCP_MAX_HIGHEST];
} ms_rtcp_feedback;

/* Read a compound RTCP packet into fb (zeroed first); FALSE when it is not
 * RTCP (then fb says nothing). Every length is checked: nothing is read
 * past len. */
gboolean ms_rtcp_read_feedback(const guint8 *buf, gsize len, ms_rtcp_feedback *fb);

static inline guint16 ms_rtp_seq(const guint8 *b) { return (guint16)((b[2] << 8) | b[3]); }
static inline guint32 ms_rtp_ts(const guint8 *b) {
	return ((guint32)b[4] << 24) | ((guint32)b[5] << 16) | ((guint32)b[6] << 8) | b[7];
}
static inline guint32 ms_rtp_ssrc(const guint8 *b) {
	return ((guint32)b[8] << 24) | ((guint32)b[9] << 16) | ((guint32)b[10] << 8) | b[11];
}
static inline gboolean ms_rtp_marker(const guint8 *b) { return (b[1] & 0x80) != 0; }
static inline guint8 ms_rtp_pt(const guint8 *b) { return b[1] & 0x7f; }

static inline void ms_rtp_set_seq(guint8 *b, guint16 v) { b[2] = v >> 8; b[3] = v & 0xff; }
static inline void ms_rtp_set_ts(guint8 *b, guint32 v) {
	b[4] = v >> 24; b[5] = (v >> 16) & 0xff; b[6] = (v >> 8) & 0xff; b[7] = v & 0xff;
}
static inline void ms_rtp_set_ssrc(guint8 *b, guint32 v) {
	b[8] = v >> 24; b[9] = (v >> 16) & 0xff; b[10] = (v >> 8) & 0xff; b[11] = v & 0xff;
}
static inline void ms_rtp_set_pt(guint8 *b, guint8 pt) { b[1] = (guint8)((b[1] & 0x80) | (pt & 0x7f)); }

#endif
