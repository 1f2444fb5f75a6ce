/**
 * url.ts: map the client's `baseUrl` to the Janus WebSocket URL.
 *
 * Rules (documented in README.md):
 * - `ws://` and `wss://` are used as given (path defaults to `/`).
 * - `http://host` -> `ws://host:8188/` (Janus's default WebSocket port) when
 *   no port is given; an explicit port is kept.
 * - `https://host` -> `wss://host/` (port 443: a TLS proxy in front of Janus)
 *   when no port is given; an explicit port is kept.
 * - No scheme (`host`, `host:8188`) is taken as `ws://`, port 8188 by default.
 * - Path, query and fragment-less rest are kept; the path defaults to `/`.
 */

export const JANUS_DEFAULT_WS_PORT = 8188;

export function toJanusWsUrl(baseUrl: string): string {
	const input = baseUrl.trim();
	if(input === '')
		throw new TypeError('baseUrl is empty');
	const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
	const u = new URL(hasScheme ? input : `ws://${input}`);
	const scheme = u.protocol.toLowerCase();
	let wsScheme: 'ws:' | 'wss:';
	let defaultPort: number | null = null;
	switch(scheme) {
		case 'ws:':
			wsScheme = 'ws:';
			if(!hasScheme)
				defaultPort = JANUS_DEFAULT_WS_PORT;
			break;
		case 'wss:':
			wsScheme = 'wss:';
			break;
		case 'http:':
			wsScheme = 'ws:';
			defaultPort = JANUS_DEFAULT_WS_PORT;
			break;
		case 'https:':
			wsScheme = 'wss:';
			break;
		default:
			throw new TypeError(`unsupported baseUrl scheme: ${scheme}`);
	}
	const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
	const port = u.port !== '' ? u.port : (defaultPort !== null ? String(defaultPort) : '');
	const path = u.pathname === '' ? '/' : u.pathname;
	const auth = u.username ? `${u.username}${u.password ? ':' + u.password : ''}@` : '';
	return `${wsScheme}//${auth}${host}${port ? ':' + port : ''}${path}${u.search}`;
}
