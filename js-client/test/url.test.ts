import { describe, expect, it } from 'vitest';
import { toJanusWsUrl } from '../src/url.js';
import { MultiStreamClient } from '../src/client.js';

describe('toJanusWsUrl', () => {
	it.each([
		['https://host', 'wss://host/'],
		['https://host:8989', 'wss://host:8989/'],
		['https://host/janus', 'wss://host/janus'],
		['http://host', 'ws://host:8188/'],
		['http://host:8188', 'ws://host:8188/'],
		['http://host:9000/ws?token=x', 'ws://host:9000/ws?token=x'],
		['ws://host:8188', 'ws://host:8188/'],
		['ws://host', 'ws://host/'],
		['ws://127.0.0.2:8188/', 'ws://127.0.0.2:8188/'],
		['wss://host/path', 'wss://host/path'],
		['wss://host:443/path/', 'wss://host/path/'],
		['WSS://Host/Path', 'wss://host/Path'],
		['host:8188', 'ws://host:8188/'],
		['localhost', 'ws://localhost:8188/'],
		['http://[::1]', 'ws://[::1]:8188/'],
		['  ws://host:8188/x  ', 'ws://host:8188/x'],
	])('%s -> %s', (input, expected) => {
		expect(toJanusWsUrl(input)).toBe(expected);
	});

	it('rejects other schemes and empty input', () => {
		expect(() => toJanusWsUrl('ftp://host')).toThrow(/scheme/);
		expect(() => toJanusWsUrl('')).toThrow();
	});

	it('is what the client opens', async () => {
		const { FakeJanus, politePlugin } = await import('./fake-janus.js');
		const fake = new FakeJanus();
		fake.auto = politePlugin();
		const c = new MultiStreamClient('https://device.example.com', { transport: () => fake });
		expect(c.url).toBe('wss://device.example.com/');
		await c.listStreams();
		expect(fake.openOptions?.url).toBe('wss://device.example.com/');
		expect(fake.openOptions?.plugin).toBe('janus.plugin.multistream');
	});
});
