/**
 * redfill fills Redis — standalone or Redis Cluster, plaintext or TLS — with generated data
 * as fast as the server can take it, proves what landed, and reports it.
 *
 * This module is the library API: define steps and transports, load pipeline files and run
 * them, or call the fill, the verify and the report builders directly (the README's "Using
 * redfill as a library" shows them together, and a test runs that example).
 *
 * @example
 * ```ts ignore
 * import { loadPipeline, runPipeline } from "./mod.ts";
 *
 * const pipeline = await loadPipeline("pipelines/fill.yaml", { set: ["target.port=6379"] });
 * const result = await runPipeline(pipeline);
 * Deno.exit(result.exitCode);
 * ```
 *
 * @module
 */

export { defineStep, defineTransport } from "./lib/pipeline/define.ts";
export { defaultRegistry, loadPipeline, parsePipeline } from "./lib/builtins.ts";
export { runPipeline } from "./lib/pipeline/executor.ts";
export { Registry } from "./lib/pipeline/registry.ts";
export { PipelineError, PipelineErrors } from "./lib/pipeline/errors.ts";
export {
  CheckFailedError,
  ConnectionError,
  ExitCode,
  FillError,
  InternalError,
  InterruptedError,
  PluginStepError,
  RedfillError,
  UsageError,
} from "./lib/errors.ts";
export { drop, give, Message, option, sentence, stepOption } from "./lib/message.ts";
export { FillFailedError, runFill } from "./lib/fill/fill.ts";
export { verifyFill } from "./lib/verify/verify.ts";
export { buildRunReport, REPORT_SCHEMA_VERSION } from "./lib/report/model.ts";
export { renderTable } from "./lib/report/table.ts";
export { renderJson } from "./lib/report/json.ts";
export { renderMarkdown } from "./lib/report/markdown.ts";
export { REPORT_FORMATS, writeReport } from "./lib/steps/report.ts";
export { formatAddress } from "./lib/address.ts";
export { keyCount, Keyspace } from "./lib/fill/keyspace.ts";
export { defineShape, ShapeContentsError, ShapeRegistry } from "./lib/shapes/define.ts";
export { BUILTIN_SHAPES, builtinShapes } from "./lib/shapes/builtin.ts";
export { parseSizeForm, pickSize } from "./lib/shapes/sizes.ts";
export { KeyRandom } from "./lib/shapes/pool.ts";
export { parseSize } from "./lib/units.ts";
export {
  checkThreshold,
  formatMetric,
  limitFor,
  parseExpression,
  thresholdLine,
} from "./lib/thresholds.ts";
export { localTarget, startLocalRedis } from "./lib/local/mod.ts";

export type {
  ExitCodeValue,
  InternalErrorOptions,
  InterruptedErrorOptions,
  PluginStepErrorOptions,
  RedfillErrorOptions,
  StopSignal,
} from "./lib/errors.ts";
export type { VerifyFillOptions } from "./lib/verify/verify.ts";
export type { RunReportInput } from "./lib/report/model.ts";
export type {
  ReportCheck,
  ReportClient,
  ReportFill,
  ReportFillNode,
  ReportLimit,
  ReportLimitServer,
  ReportMemory,
  ReportNode,
  ReportStatus,
  ReportStep,
  ReportTarget,
  ReportThreshold,
  ReportVerify,
  ReportVerifyNode,
  RunReport,
} from "./lib/report/types.ts";
export type { RenderTableOptions } from "./lib/report/table.ts";
export type {
  ReportFormat,
  ReportSink,
  WriteReportOptions,
  WrittenReport,
} from "./lib/steps/report.ts";
export type { ParseSizeOptions } from "./lib/units.ts";
export type {
  MetricSpec,
  MetricUnit,
  Threshold,
  ThresholdExpression,
  ThresholdOp,
  ThresholdResult,
} from "./lib/thresholds.ts";
export type {
  MentionValue,
  MessagePart,
  OptionMention,
  OptionNamer,
  RenderMessageOptions,
} from "./lib/message.ts";
export type { StepSpec, TransportSpec } from "./lib/pipeline/define.ts";
export type { LoadOptions } from "./lib/builtins.ts";
export type { LoadPipelineOptions } from "./lib/pipeline/loader.ts";
export type { RunPipelineOptions } from "./lib/pipeline/executor.ts";
export type {
  Override,
  OverrideOrigin,
  Pipeline,
  PlannedStep,
  RunResult,
  StepResult,
} from "./lib/pipeline/types.ts";
export type { RunFillOptions } from "./lib/fill/fill.ts";
export type {
  KeyWriter,
  ShapeDefinition,
  ShapeEnv,
  ShapeGenerator,
  ShapeSpec,
  ShapeTools,
} from "./lib/shapes/define.ts";
export type { Contents, RedisType } from "./lib/shapes/contents.ts";
export type { SizeForm } from "./lib/shapes/sizes.ts";
export type {
  LocalNode,
  LocalProxy,
  LocalProxyOptions,
  LocalRedis,
  LocalRedisOptions,
  LocalTlsFiles,
} from "./lib/local/mod.ts";
export type {
  CommandRoute,
  ContextFacts,
  DataSocket,
  FactName,
  FactValue,
  FillLimit,
  FillLimitServer,
  FillResult,
  FlushResult,
  KeyspaceParams,
  Logger,
  NameOption,
  NodeFillResult,
  NodeInfo,
  NodeReply,
  NodeRole,
  NodeVerifyResult,
  OptionsOf,
  OptionsSchema,
  PlanStepView,
  ProgressReporter,
  ProgressSnapshot,
  RedisArg,
  Shard,
  SlotRange,
  StepCheckProblem,
  StepContext,
  StepDefinition,
  StepPlanContext,
  StepRecord,
  Target,
  TargetMode,
  TlsSettings,
  Topology,
  Transport,
  TransportDefinition,
  TransportInit,
  TtlRange,
  VerifyCheck,
  VerifyResult,
} from "./lib/types.ts";
