/* ms_rtp.c: minimal RTP header validation (RFC 3550 §5.1, §5.3.1).
 *
 * Locates the payload of an RTP packet: skips the fixed header, the CSRC
 * list and the header extension, and strips the padding. Every length is
 * checked against the buffer: nothing is read past len. */
#include <string.h>
#include "ms_rtp.h"
#include "ms_packet.h"


gboolean ms_rtp_parse(const guint8 *buf, gsize len, gsize *payload_off, gsize *payload_len)
{
	if(buf == NULL || len < MS_RTP_HEADER_LEN)
		return FALSE;
	if((buf[0] >> 6) != 2)
		return FALSE;
	gsize off = MS_RTP_HEADER_LEN + 4 * (gsize)(buf[0] & 0x0f);
	if(off > len)
		return FALSE;
	if(buf[0] & 0x10) {
		/* Header extension: 16 bit profile, 16 bit length in words */
		if(off + 4 > len)
			return FALSE;
		gsize words = ((gsize)buf[off + 2] << 8) | buf[off + 3];
		off += 4 + 4 * words;
		if(off > len)
			return FALSE;
	}
	gsize pad = 0;
	if(buf[0] & 0x20) {
		/* The last octet counts the padding, itself included */
		pad = buf[len - 1];
		if(pad == 0 || pad > len - off)
			return FALSE;
	}
	if(payload_off)
		*payload_off = off;
	if(payload_len)
		*payload_len = len - off - pad;
	return TRUE;
}

gboolean ms_packet_parse(ms_packet *p, const guint8 *data, gsize len, const ms_codec *codec)
{
	gsize off = 0, plen = 0;
	if(!ms_rtp_parse(data, len, &off, &plen))
		return FALSE;
	p->data = data;
	p->len = len;
	p->payload_off = off;
	p->payload_len = plen;
	p->seq = ms_rtp_seq(data);
	p->ts = ms_rtp_ts(data);
	p->marker = ms_rtp_marker(data);
	p->facts = codec != NULL && codec->inspect != NULL ? codec->inspect(data + off, plen) : 0;
	return TRUE;
}

/* RTCP packet types and feedback formats */
#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_RTPFB 205		/* FMT 1: generic NACK */
#define RTCP_PSFB 206		/* FMT 15: application layer (REMB) */
#define RTCP_REPORT_BLOCK 24

static void report_blocks(const guint8 *p, gsize len, gsize off, guint count, ms_rtcp_feedback *fb)
{
	for(guint i = 0; i < count && off + RTCP_REPORT_BLOCK <= len; i++, off += RTCP_REPORT_BLOCK) {
		guint lost = p[off + 4];
		if(fb->n_highest < MS_RTCP_MAX_HIGHEST)
			fb->highest[fb->n_highest++] = (guint16)((p[off + 10] << 8) | p[off + 11]);
		fb->reports++;
		fb->loss_sum += lost;
		fb->loss_max = MAX(fb->loss_max, lost);
	}
}

gboolean ms_rtcp_read_feedback(const guint8 *buf, gsize len, ms_rtcp_feedback *fb)
{
	memset(fb, 0, sizeof(*fb));
	if(buf == NULL || len < 8 || (buf[0] >> 6) != 2 || buf[1] < 192 || buf[1] > 223)
		return FALSE;
	for(gsize off = 0; off + 4 <= len;) {
		const guint8 *p = buf + off;
		gsize plen = 4 * ((gsize)((p[2] << 8) | p[3]) + 1);
		if((p[0] >> 6) != 2 || plen > len - off)
			break;
		guint count = p[0] & 0x1f, type = p[1];
		if(type == RTCP_RR && plen >= 8)
			report_blocks(p, plen, 8, count, fb);
		else if(type == RTCP_SR && plen >= 28)
			report_blocks(p, plen, 28, count, fb);
		else if(type == RTCP_RTPFB && count == 15)
			fb->transport_cc++;
		else if(type == RTCP_PSFB && (count == 1 || count == 4))
			fb->pli_fir++;
		else if(type == RTCP_RTPFB && count == 1) {
			/* FCI from byte 12: PID (16 bit) then a bitmask of 16 more */
			for(gsize f = 12; f + 4 <= plen; f += 4)
				fb->nacked += 1 + (guint)__builtin_popcount(((guint)p[f + 2] << 8) | p[f + 3]);
		} else if(type == RTCP_PSFB && count == 15 && plen >= 20 && memcmp(p + 12, "REMB", 4) == 0) {
			/* num SSRC (8), BR exp (6), BR mantissa (18) */
			guint exp = p[17] >> 2;
			guint64 mantissa = ((guint64)(p[17] & 0x03) << 16) | ((guint64)p[18] << 8) | p[19];
			fb->remb_bps = exp < 46 ? mantissa << exp : G_MAXUINT64;
			fb->remb++;
		}
		off += plen;
	}
	return TRUE;
}
