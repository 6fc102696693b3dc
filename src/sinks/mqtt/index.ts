export { MQTT_DEFAULTS, type MqttSinkConfig, type MqttSinkOptions, mqttConfigSchema, parseMqttConfig } from './config.js';
export { MqttSink } from './sink.js';
