import type { z as Z } from 'zod';
import { zod } from '../core/zod.ts';

/** The parts of the cluster a probe can be about, as the diagnoses know them (a code probe's `about`). */
export const PROBE_COMPONENTS = ['kubelet', 'etcd', 'apiserver', 'scheduler', 'controllerManager', 'serviceaccount', 'pod'] as const;
export type ProbeComponent = (typeof PROBE_COMPONENTS)[number];

/** Bumped when the step metadata format changes incompatibly; the loader refuses other versions. */
export const CONTENT_FORMAT = 1;

/** The schemas of step.yaml, built with zod when first asked for (`contentSchemas`). */
function buildSchemas(z: typeof Z) {
  const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case words joined by dashes');
  /** An image or static pod role: a key of labs/versions.yaml's images, where `controllerManager` is one word. */
  const role = z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, 'must start with a lower-case letter, then letters, digits or dashes');

  /** A check on one field of a JSON/YAML document. `field` is a dotted path; `[key=value]` picks a list item. */
  const fieldCondition = z
    .object({
      field: z.string().min(1),
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      contains: z.string().optional(),
      exists: z.boolean().optional(),
    })
    .strict()
    .refine((c) => [c.equals, c.contains, c.exists].filter((v) => v !== undefined).length === 1, {
      message: 'needs exactly one of equals, contains, exists',
    });
  /** Or a choice: holds when any of its field checks holds (two ways to the same outcome). */
  const conditionSchema = z.union([fieldCondition, z.object({ anyOf: z.array(fieldCondition).min(2) }).strict()]);

  const probeBase = {
    id,
    title: z.string().min(1),
    /** Probes whose failure makes this one pointless; it is then skipped, not run. */
    needs: z.array(id).default([]),
    /** Most likely cause when this probe fails, in the student's terms. */
    cause: z.string().min(1),
    hint: z.string().min(1),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  };

  const probeSpecSchema = z.discriminatedUnion('kind', [
    z
      .object({
        ...probeBase,
        kind: z.literal('process'),
        process: z.literal('kubelet'),
        flag: z.string().startsWith('--'),
        equalsPath: z.string().optional(),
      })
      .strict(),
    z
      .object({
        ...probeBase,
        kind: z.literal('http'),
        url: z.string().url(),
        status: z.number().int().default(200),
        bodyEquals: z.string().optional(),
        bodyContains: z.string().optional(),
        json: z.array(conditionSchema).optional(),
      })
      .strict(),
    z
      .object({
        ...probeBase,
        kind: z.literal('container'),
        pod: z.string().min(1),
        namespace: z.string().min(1),
        /** `POD` means the pod's sandbox (pause) container, as dockershim names it. */
        container: z.string().min(1),
        state: z.enum(['running', 'exited', 'any']),
        logsContain: z.string().optional(),
      })
      .strict(),
    z
      .object({ ...probeBase, kind: z.literal('apiObject'), path: z.string().startsWith('/'), expect: z.array(conditionSchema).min(1) })
      .strict(),
    z
      .object({
        ...probeBase,
        kind: z.literal('file'),
        path: z.string().min(1),
        parseAs: z.enum(['pod', 'kubeconfig', 'yaml']),
        expect: z.array(conditionSchema).default([]),
      })
      .strict(),
    z.object({ ...probeBase, kind: z.literal('path'), path: z.string().startsWith('/'), type: z.enum(['directory', 'file']) }).strict(),
    z
      .object({ ...probeBase, kind: z.literal('kubectl'), args: z.array(z.string()).min(1), outputContains: z.string().optional() })
      .strict(),
    z
      .object({
        ...probeBase,
        kind: z.literal('code'),
        module: id,
        /**
         * What the probe looks at, for the diagnoses (the other kinds say it by their fields): a part of
         * the cluster, and the pod when it is about one. Pod names may be placeholders.
         */
        about: z
          .object({
            component: z.enum(PROBE_COMPONENTS),
            pod: z.string().min(1).optional(),
            namespace: z.string().min(1).default('default'),
          })
          .strict()
          .optional(),
      })
      .strict(),
  ]);

  const applyActionSchema = z.union([
    z.object({ write: z.object({ fixture: z.string().min(1), to: z.string().min(1) }).strict() }).strict(),
    z.object({ kubelet: z.object({ kubeconfig: z.boolean() }).strict() }).strict(),
    z.object({ kubectlApply: z.string().min(1) }).strict(),
    z.object({ code: id }).strict(),
  ]);

  /** A static pod a step introduces, by role (the name lessons and probes use: `{{pods.<role>.name}}`). */
  const staticPodSchema = z
    .object({
      /** The lesson's pod name and namespace. */
      name: z.string().min(1),
      namespace: z.string().min(1),
      /** The program its first container runs: how a pod the student named otherwise is still found. */
      program: z.string().min(1).optional(),
      /**
       * The host ports it listens on (host network): the doctor wants them free before step 1, apply
       * refuses to start it while something else holds one.
       */
      ports: z
        .array(
          z
            .object({
              port: z.number().int().min(1).max(65535),
              /** What listens there, as the doctor names it. */
              who: z.string().min(1),
              /** The lab reaches it there (the lessons' flags): reset waits for it to close, diagnoses name its holder. */
              addressed: z.boolean().default(false),
            })
            .strict(),
        )
        .default([]),
    })
    .strict();

  /**
   * A part of the cluster map a step adds. The kind says what is looked at; the map shows the part
   * from this step on, drawn ok, broken, on its way or not there yet.
   */
  const mapPartSchema = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('kubelet') }).strict(),
    z.object({ kind: z.literal('podsDir') }).strict(),
    z.object({ kind: z.literal('kubeconfig') }).strict(),
    z.object({ kind: z.literal('node') }).strict(),
    z
      .object({
        kind: z.literal('staticPod'),
        /** A role of `staticPods`, in this step or an earlier one. */
        pod: role,
        label: z.string().min(1).optional(),
        /** The detail shown while its container runs (and answers `health`). */
        running: z.string().min(1),
        /** It runs to completion: an exit code 0 is success (kubelet restarts it all the same). */
        completes: z.boolean().default(false),
        /** Running is not enough until this URL answers 200. */
        health: z.string().url().optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('apiObject'),
        label: z.string().min(1),
        path: z.string().startsWith('/'),
        /** The object is as the step wants it; else it is drawn broken with `badDetail`. */
        ok: z.array(conditionSchema).min(1),
        okDetail: z.string().min(1),
        badDetail: z.string().min(1),
        missingDetail: z.string().min(1).default('missing'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('apiPod'),
        pod: z.string().min(1),
        namespace: z.string().min(1).default('default'),
        label: z.string().min(1).optional(),
        /** Running: done once it has an IP (shown); Succeeded: done once it ran to completion. */
        done: z.enum(['Running', 'Succeeded']),
        doneDetail: z.string().min(1).optional(),
      })
      .strict(),
  ]);

  const stepMetaSchema = z
    .object({
      format: z.literal(CONTENT_FORMAT, { errorMap: () => ({ message: `must be ${CONTENT_FORMAT} (the content format this lab reads)` }) }),
      step: z.number().int().min(1),
      slug: id,
      title: z.string().min(1),
      summary: z.string().min(1),
      /** What the student should take away; shown when the step passes. */
      learned: z.array(z.string().min(1)).min(1),
      /** Files the student writes, relative to the repo. */
      files: z.array(z.string()).default([]),
      /** Image roles from labs/versions.yaml this step runs (the loader checks each is there). */
      images: z.array(role).default([]),
      binaries: z.array(z.string()).default([]),
      /** The static pods this step introduces, by role. */
      staticPods: z.record(role, staticPodSchema).default({}),
      /** What this step adds to the cluster map. */
      map: z.array(mapPartSchema).default([]),
      /** From gentle to explicit. */
      hints: z.array(z.string().min(1)).min(1),
      apply: z.array(applyActionSchema).min(1),
      /** How long `lab apply` waits for this step's probes after doing its actions. */
      applyTimeoutSeconds: z.number().int().positive().default(90),
      probes: z.array(probeSpecSchema).min(1),
      /**
       * The walkthrough's last screen, on the last step only (the loader checks): what the track built.
       * Lines fit 80x24: at most 46 columns beside the map, 77 under it.
       */
      finale: z
        .object({
          /** The headline when every step passes. */
          built: z.string().min(1).max(77),
          /** How a request travels through what the student built. */
          requestPath: z.array(z.string().min(1).max(46)).min(1).max(4),
          /** What a production cluster has that this one does without. */
          productionAdds: z.array(z.string().min(1).max(77)).min(1).max(4),
          /** Where to go next: never a lab that does not exist. */
          next: z.string().min(1).max(77),
        })
        .strict()
        .optional(),
    })
    .strict();
  return { conditionSchema, probeSpecSchema, applyActionSchema, staticPodSchema, mapPartSchema, stepMetaSchema };
}

type ContentSchemas = ReturnType<typeof buildSchemas>;
let built: ContentSchemas | undefined;

/**
 * The content schemas, built (and zod loaded) on first use: a `lab` start whose steps are unchanged since
 * the build (dist/content-cache.json, see content/load.ts) needs neither.
 */
export const contentSchemas = (): ContentSchemas => (built ??= buildSchemas(zod()));

export type Condition = Z.infer<ContentSchemas['conditionSchema']>;
export type ProbeSpec = Z.infer<ContentSchemas['probeSpecSchema']>;
export type ApplyAction = Z.infer<ContentSchemas['applyActionSchema']>;
export type StaticPodSpec = Z.infer<ContentSchemas['staticPodSchema']>;
export type MapPartSpec = Z.infer<ContentSchemas['mapPartSchema']>;
export type Finale = NonNullable<StepMeta['finale']>;
export type StepMeta = Z.infer<ContentSchemas['stepMetaSchema']>;
