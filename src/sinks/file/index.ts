export { FILE_DEFAULTS, type FileSinkConfig, type FileSinkOptions, fileConfigSchema, parseFileConfig } from './config.js';
export { FileSink } from './sink.js';
