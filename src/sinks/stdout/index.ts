export { STDOUT_DEFAULTS, StdoutSink, type StdoutSinkOptions, stdoutConfigSchema } from './sink.js';
