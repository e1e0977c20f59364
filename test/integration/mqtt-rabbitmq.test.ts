// MqttSync against RabbitMQ's MQTT plugin, an Erlang node the test starts with its own ports and
// directory. RabbitMQ before 3.13 speaks MQTT 3.1.1 only and closes the socket on an MQTT 5 CONNECT.
import { brokerSuite } from '../helpers/broker-suite.ts';
import { rabbitmqServerPath, rabbitmqSpeaksMqtt5, rabbitmqVersion, startRabbitmq } from '../helpers/rabbitmq.ts';

const version = rabbitmqVersion();

brokerSuite({
  name: `RabbitMQ ${version ?? '(version unknown)'} (MQTT plugin)`,
  start: startRabbitmq,
  skip: rabbitmqServerPath() ? false : 'rabbitmq-server not installed (CI installs the rabbitmq-server package; or set RABBITMQ_SERVER_BIN)',
  expectProtocol: version && rabbitmqSpeaksMqtt5(version) ? 'MQTT 5' : 'MQTT 3.1.1',
  // ~12 s on an idle machine here; an Erlang node on two busy cores can take several times that.
  startTimeoutMs: 120_000,
  // Tried with 3.10.8: retained messages go to exact-topic subscriptions only; QoS 2 becomes 1.
  semantics: { retainedToWildcards: false, qos2Granted: 1, dotsInTopics: true },
});
