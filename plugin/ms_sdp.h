/* ms_sdp.h: read the viewer's offer, write the N-slot answer (pure).
 *
 * Slot k is the k-th video m-line of the offer (docs/protocol.md §9). Each
 * becomes a sendonly m-line with one H264 payload type (first match of:
 * packetization-mode=1 with profile-level-id 42e01f, packetization-mode=1
 * with a 42xxxx baseline profile, any packetization-mode=1, any H264) and,
 * where offered, one H265 payload type (profile-id 1, Main, or none given,
 * before any other); ties go to the offerer's order, and the two keep the
 * offer's order on the m-line. With audio asked for, the first audio m-line
 * that lets us send and offers Opus becomes a sendonly Opus m-line, with
 * PCMU and PCMA where offered. Every other m-line is rejected (port 0). The
 * Janus core later adds ICE, DTLS and SSRC lines to this answer. */
#ifndef MS_SDP_H
#define MS_SDP_H

#include <glib.h>
#include "ms_error.h"

#define MS_SDP_MAX_MLINES 64
#define MS_SDP_MID_MAX 17		/* Janus rejects mids longer than 16 chars */

/* One codec's chosen payload type on an m-line. */
typedef struct ms_sdp_format {
	int pt;				/* -1 when the m-line offers none */
	char fmtp[256];			/* its fmtp ("" if none) */
	gboolean nack, pli, fir;	/* its rtcp-fb (or a=rtcp-fb:* ...) */
} ms_sdp_format;

typedef struct ms_sdp_mline {
	char media[16];			/* "video", "audio", "application", ... */
	char proto[40];			/* e.g. "UDP/TLS/RTP/SAVPF" */
	char first_fmt[32];		/* first format of the m= line (for rejected m-lines) */
	char mid[MS_SDP_MID_MAX];	/* "" when absent */
	gboolean recv;			/* offer direction lets us send (recvonly/sendrecv) */
	ms_sdp_format h264, h265;	/* the chosen payload type of each */
	ms_sdp_format opus, pcmu, pcma;	/* (audio m-lines) */
	gboolean h265_first;		/* the offer lists that H265 before that H264 */
} ms_sdp_mline;

typedef struct ms_sdp_offer {
	ms_sdp_mline m[MS_SDP_MAX_MLINES];
	guint n;			/* m-lines parsed */
	guint n_video;			/* of which m=video */
} ms_sdp_offer;

/* Parse an offer. MS_ERR_INVALID_REQUEST with detail when it is not an SDP,
 * has no m-line, more than MS_SDP_MAX_MLINES, or a mid longer than 16. */
ms_error ms_sdp_parse_offer(const char *sdp, ms_sdp_offer *offer, char *detail, gsize detail_len);

/* The audio m-line of an answer (ms_sdp_build_answer). */
typedef struct ms_sdp_audio {
	int mindex;			/* its m-line index */
	int pt_opus, pt_pcmu, pt_pcma;	/* -1: not offered (Opus always is) */
} ms_sdp_audio;

/* Build the answer for n_slots slots. slot_mindex[k] (n_slots entries) gets
 * the m-line index of slot k, slot_pt[k] its H264 payload type and
 * slot_pt_h265[k] its H265 one (-1: none); each may be NULL. Fails with 480
 * when the offer has fewer than n_slots video m-lines, or slot k's m-line
 * does not let us send or offers no H264. audio non-NULL: the session
 * asked for audio; filled in, or 480 when no audio m-line lets us send
 * Opus. Returns a g_malloc'd SDP. */
char *ms_sdp_build_answer(const ms_sdp_offer *offer, guint n_slots, guint64 session_id,
	int *slot_mindex, int *slot_pt, int *slot_pt_h265, ms_sdp_audio *audio,
	ms_error *err, char *detail, gsize detail_len);

#endif
