/* ms_sdp.h: read the viewer's offer, write the N-slot answer (pure).
 *
 * Slot k is the k-th video m-line of the offer (docs/protocol.md §9). Each
 * becomes a sendonly H264 m-line (first match of: packetization-mode=1 with
 * profile-level-id 42e01f, packetization-mode=1 with a 42xxxx baseline
 * profile, any packetization-mode=1, any H264; ties go to the offerer's
 * order); every other m-line is rejected (port 0). The
 * Janus core later adds ICE, DTLS and SSRC lines to this answer. */
#ifndef MS_SDP_H
#define MS_SDP_H

#include <glib.h>
#include "ms_error.h"

#define MS_SDP_MAX_MLINES 64
#define MS_SDP_MID_MAX 17		/* Janus rejects mids longer than 16 chars */

typedef struct ms_sdp_mline {
	char media[16];			/* "video", "audio", "application", ... */
	char proto[40];			/* e.g. "UDP/TLS/RTP/SAVPF" */
	char first_fmt[32];		/* first format of the m= line (for rejected m-lines) */
	char mid[MS_SDP_MID_MAX];	/* "" when absent */
	gboolean recv;			/* offer direction lets us send (recvonly/sendrecv) */
	int pt;				/* chosen H264 payload type, -1 when none */
	char fmtp[256];			/* fmtp of the chosen pt ("" if none) */
	gboolean rtcp_fb_nack, rtcp_fb_pli, rtcp_fb_fir;
} ms_sdp_mline;

typedef struct ms_sdp_offer {
	ms_sdp_mline m[MS_SDP_MAX_MLINES];
	guint n;			/* m-lines parsed */
	guint n_video;			/* of which m=video */
} ms_sdp_offer;

/* Parse an offer. MS_ERR_INVALID_REQUEST with detail when it is not an SDP,
 * has no m-line, more than MS_SDP_MAX_MLINES, or a mid longer than 16. */
ms_error ms_sdp_parse_offer(const char *sdp, ms_sdp_offer *offer, char *detail, gsize detail_len);

/* Build the answer for n_slots slots. slot_mindex[k] (n_slots entries) gets
 * the m-line index of slot k, slot_pt[k] its payload type. Fails with 480
 * when the offer has fewer than n_slots video m-lines, or slot k's m-line
 * does not let us send or offers no H264. Returns a g_malloc'd SDP. */
char *ms_sdp_build_answer(const ms_sdp_offer *offer, guint n_slots, guint64 session_id,
	int *slot_mindex, int *slot_pt, ms_error *err, char *detail, gsize detail_len);

#endif
