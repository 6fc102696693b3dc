export { INFLUX_DEFAULTS, type InfluxSinkConfig, type InfluxSinkOptions, influxConfigSchema, parseInfluxConfig } from './config.js';
export { InfluxSink } from './sink.js';
