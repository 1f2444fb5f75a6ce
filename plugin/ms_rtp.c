/* ms_rtp.c: minimal RTP header validation (RFC 3550 §5.1, §5.3.1).
 *
 * Locates the payload of an RTP packet: skips the fixed header, the CSRC
 * list and the header extension, and strips the padding. Every length is
 * checked against the buffer: nothing is read past len. */
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
