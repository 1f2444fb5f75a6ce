// bench/soak/deps.mjs: werift and the test client, resolved from tests/node_modules.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'tests', 'package.json'));
const werift = require('werift');

export const { RTCPeerConnection, useSdesMid } = werift;
export { JanusClient, AdminClient, h264Codec } from '../../tests/lib/client.mjs';
