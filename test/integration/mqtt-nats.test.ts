// MqttSync against NATS's MQTT listener (JetStream), a nats-server the test starts on free ports.
// NATS (2.9–2.11) speaks MQTT 3.1.1 only and refuses MQTT 5 with CONNACK code 1.
import { brokerSuite } from '../helpers/broker-suite.ts';
import { natsServerPath, natsVersion, startNats } from '../helpers/nats.ts';

brokerSuite({
  name: `NATS ${natsVersion() ?? ''} (JetStream MQTT)`.replace('  ', ' '),
  start: startNats,
  skip: natsServerPath() ? false : 'nats-server not installed (CI installs the nats-server package; or set NATS_SERVER_BIN)',
  expectProtocol: 'MQTT 3.1.1',
  startTimeoutMs: 30_000,
  // Tried with 2.9.10; NATS 2.10 takes dots in topics (design §6).
  semantics: { retainedToWildcards: true, qos2Granted: 1, dotsInTopics: natsTakesDots(natsVersion()) },
});

function natsTakesDots(version: string | undefined): boolean {
  const [major = 0, minor = 0] = (version ?? '0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}
