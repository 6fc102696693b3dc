import { z } from 'zod';
import { mqttBindingSchema, mqttSourceFields, mqttUrlSchema, requireClientIdForSession, sourceConfigSchemas } from '../../sources/index.js';

/**
 * An MQTT source's options as a pipeline file writes them: `devices: [devices/x.yaml]` besides or
 * instead of `subscriptions`, and no `url` for the embedded broker (prepare-sources.ts resolves both).
 */
export const mqttPipelineOptionsSchema = mqttSourceFields
  .extend({
    /** @default an embedded broker, started for the pipeline */
    url: mqttUrlSchema.optional(),
    /** Device files (devices/*.yaml, relative to the working directory); each becomes a subscription. */
    devices: z.array(z.string().min(1)).optional(),
    /** @default [] (when `devices` names some) */
    subscriptions: z.array(mqttBindingSchema).default([]),
  })
  .superRefine(requireClientIdForSession)
  .superRefine((options, ctx) => {
    if (options.subscriptions.length === 0 && (options.devices ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['devices'], message: 'expected at least one device file in devices or one binding in subscriptions' });
    }
  });

/** A source of a pipeline: its kind and options, checked against that kind's schema (see src/sources). */
const entry = <T extends string, S extends z.ZodType>(type: T, options: S) => z.strictObject({ type: z.literal(type), options });

export const pipelineSourceSchema = z.discriminatedUnion('type', [
  entry('mqtt', mqttPipelineOptionsSchema),
  entry('file', sourceConfigSchemas.file),
  entry('wav', sourceConfigSchemas.wav),
  entry('mic', sourceConfigSchemas.mic),
]);

export type PipelineSourceConfig = z.output<typeof pipelineSourceSchema>;
