/**
 * The research engine: plans and their steps, the artifacts and extractions they produce, the
 * outputs and feedback on them, an audit log, and skill executions. All tenant-scoped.
 */
import { relations } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  real,
  smallint,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { user } from "./auth.ts";
import { tenantColumns, tenantKey, tenantPolicies, tenantReference } from "./base.ts";

export const researchPlanStatusEnum = pgEnum("research_plan_status", [
  "planning",
  "executing",
  "awaiting_review",
  "stalled",
  "completed",
  "failed",
]);

export const planStepStatusEnum = pgEnum("plan_step_status", [
  "pending",
  "in_progress",
  "awaiting_input",
  "completed",
  "skipped",
  "failed",
]);

export const planStepTypeEnum = pgEnum("plan_step_type", [
  "search",
  "extract",
  "analyze",
  "critique",
  "synthesize",
  "checkpoint",
  "custom",
]);

export const planAuditEventTypeEnum = pgEnum("plan_audit_event_type", [
  "step_started",
  "step_completed",
  "step_failed",
  "plan_modified",
  "user_reviewed",
  "session_resumed",
  "skill_started",
  "skill_completed",
  "skill_failed",
]);

export const skillExecutionStatusEnum = pgEnum("skill_execution_status", ["running", "completed", "failed"]);

export const researchPlan = pgTable(
  "research_plan",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    /** Who asked; the plan belongs to the organization and outlives the user. */
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    question: text("question").notNull(),
    status: researchPlanStatusEnum("status").default("planning").notNull(),
    summary: text("summary"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    ...tenantPolicies("research_plan"),
    index("research_plan_organizationId_idx").on(t.organizationId),
    tenantKey("research_plan", t),
    index("research_plan_userId_idx").on(t.userId),
  ],
).enableRLS();

export const planStep = pgTable(
  "plan_step",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id").notNull(),
    position: integer("position").notNull(),
    stepType: planStepTypeEnum("step_type").notNull(),
    status: planStepStatusEnum("status").default("pending").notNull(),
    title: text("title").notNull(),
    instructions: text("instructions"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    /** Ids of the steps that must complete first (TRO-101). */
    dependsOn: text("depends_on").array().default([]).notNull(),
    attemptCount: integer("attempt_count").default(0).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    tenantReference("plan_step", t, t.planId, researchPlan).onDelete("cascade"),
    ...tenantPolicies("plan_step"),
    index("plan_step_organizationId_idx").on(t.organizationId),
    tenantKey("plan_step", t),
    uniqueIndex("plan_step_planId_position_idx").on(t.planId, t.position),
  ],
).enableRLS();

export const researchArtifact = pgTable(
  "research_artifact",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id"),
    stepId: text("step_id"),
    /** e.g. `source`, `note`, `dataset`. */
    artifactType: text("artifact_type").notNull(),
    title: text("title").notNull(),
    content: text("content"),
    mediaType: text("media_type"),
    sourceUrl: text("source_url"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
  },
  (t) => [
    tenantReference("research_artifact", t, t.stepId, planStep).onDelete("set null"),
    tenantReference("research_artifact", t, t.planId, researchPlan).onDelete("set null"),
    ...tenantPolicies("research_artifact"),
    index("research_artifact_organizationId_idx").on(t.organizationId),
    tenantKey("research_artifact", t),
    index("research_artifact_planId_idx").on(t.planId),
  ],
).enableRLS();

export const planAuditLog = pgTable(
  "plan_audit_log",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id").notNull(),
    /** Set null: the audit entry survives the step's deletion. */
    stepId: text("step_id"),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    eventType: planAuditEventTypeEnum("event_type").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>(),
  },
  (t) => [
    tenantReference("plan_audit_log", t, t.stepId, planStep).onDelete("set null"),
    tenantReference("plan_audit_log", t, t.planId, researchPlan).onDelete("cascade"),
    ...tenantPolicies("plan_audit_log"),
    index("plan_audit_log_organizationId_idx").on(t.organizationId),
    index("plan_audit_log_planId_idx").on(t.planId),
  ],
).enableRLS();

/** Structured data extracted from an artifact by an `extract` step. */
export const extractionResult = pgTable(
  "extraction_result",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id").notNull(),
    stepId: text("step_id"),
    sourceArtifactId: text("source_artifact_id"),
    extractionSchema: jsonb("extraction_schema").$type<Record<string, unknown>>(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    confidence: real("confidence"),
  },
  (t) => [
    tenantReference("extraction_result", t, t.sourceArtifactId, researchArtifact).onDelete("set null"),
    tenantReference("extraction_result", t, t.stepId, planStep).onDelete("set null"),
    tenantReference("extraction_result", t, t.planId, researchPlan).onDelete("cascade"),
    ...tenantPolicies("extraction_result"),
    index("extraction_result_organizationId_idx").on(t.organizationId),
    index("extraction_result_planId_idx").on(t.planId),
  ],
).enableRLS();

/** A deliverable of a plan (report, summary, ...); a revision is a new version. */
export const researchOutput = pgTable(
  "research_output",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id").notNull(),
    /** e.g. `report`, `summary`, `brief`. */
    format: text("format").notNull(),
    title: text("title").notNull(),
    content: text("content").notNull(),
    version: integer("version").default(1).notNull(),
    isFinal: boolean("is_final").default(false).notNull(),
  },
  (t) => [
    tenantReference("research_output", t, t.planId, researchPlan).onDelete("cascade"),
    ...tenantPolicies("research_output"),
    index("research_output_organizationId_idx").on(t.organizationId),
    tenantKey("research_output", t),
    uniqueIndex("research_output_planId_version_idx").on(t.planId, t.version),
  ],
).enableRLS();

/** A user's rating of a plan's output. */
export const researchFeedback = pgTable(
  "research_feedback",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id").notNull(),
    outputId: text("output_id"),
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    /** 1 (poor) to 5 (excellent). */
    rating: smallint("rating").notNull(),
    comment: text("comment"),
  },
  (t) => [
    tenantReference("research_feedback", t, t.outputId, researchOutput).onDelete("set null"),
    tenantReference("research_feedback", t, t.planId, researchPlan).onDelete("cascade"),
    ...tenantPolicies("research_feedback"),
    index("research_feedback_organizationId_idx").on(t.organizationId),
    index("research_feedback_planId_idx").on(t.planId),
  ],
).enableRLS();

/** One run of a research skill, kept for diagnostics; survives its plan (set null). */
export const skillExecution = pgTable(
  "skill_execution",
  {
    id: text("id").primaryKey(),
    ...tenantColumns,
    planId: text("plan_id"),
    stepId: text("step_id"),
    skillName: text("skill_name").notNull(),
    status: skillExecutionStatusEnum("status").default("running").notNull(),
    input: jsonb("input").$type<Record<string, unknown>>(),
    output: jsonb("output").$type<Record<string, unknown>>(),
    error: text("error"),
    startedAt: timestamp("started_at", { withTimezone: true }).defaultNow().notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    tenantReference("skill_execution", t, t.stepId, planStep).onDelete("set null"),
    tenantReference("skill_execution", t, t.planId, researchPlan).onDelete("set null"),
    ...tenantPolicies("skill_execution"),
    index("skill_execution_organizationId_idx").on(t.organizationId),
    index("skill_execution_planId_idx").on(t.planId),
  ],
).enableRLS();

export const researchPlanRelations = relations(researchPlan, ({ one, many }) => ({
  user: one(user, { fields: [researchPlan.userId], references: [user.id] }),
  steps: many(planStep),
  artifacts: many(researchArtifact),
  auditLog: many(planAuditLog),
  skillExecutions: many(skillExecution),
  extractions: many(extractionResult),
  outputs: many(researchOutput),
  feedback: many(researchFeedback),
}));

export const planStepRelations = relations(planStep, ({ one, many }) => ({
  plan: one(researchPlan, { fields: [planStep.planId], references: [researchPlan.id] }),
  artifacts: many(researchArtifact),
}));

export const researchArtifactRelations = relations(researchArtifact, ({ one }) => ({
  plan: one(researchPlan, { fields: [researchArtifact.planId], references: [researchPlan.id] }),
  step: one(planStep, { fields: [researchArtifact.stepId], references: [planStep.id] }),
}));

export const planAuditLogRelations = relations(planAuditLog, ({ one }) => ({
  plan: one(researchPlan, { fields: [planAuditLog.planId], references: [researchPlan.id] }),
  step: one(planStep, { fields: [planAuditLog.stepId], references: [planStep.id] }),
  user: one(user, { fields: [planAuditLog.userId], references: [user.id] }),
}));

export const skillExecutionRelations = relations(skillExecution, ({ one }) => ({
  plan: one(researchPlan, { fields: [skillExecution.planId], references: [researchPlan.id] }),
  step: one(planStep, { fields: [skillExecution.stepId], references: [planStep.id] }),
}));

export const extractionResultRelations = relations(extractionResult, ({ one }) => ({
  plan: one(researchPlan, { fields: [extractionResult.planId], references: [researchPlan.id] }),
  step: one(planStep, { fields: [extractionResult.stepId], references: [planStep.id] }),
  sourceArtifact: one(researchArtifact, {
    fields: [extractionResult.sourceArtifactId],
    references: [researchArtifact.id],
  }),
}));

export const researchOutputRelations = relations(researchOutput, ({ one, many }) => ({
  plan: one(researchPlan, { fields: [researchOutput.planId], references: [researchPlan.id] }),
  feedback: many(researchFeedback),
}));

export const researchFeedbackRelations = relations(researchFeedback, ({ one }) => ({
  plan: one(researchPlan, { fields: [researchFeedback.planId], references: [researchPlan.id] }),
  output: one(researchOutput, { fields: [researchFeedback.outputId], references: [researchOutput.id] }),
  user: one(user, { fields: [researchFeedback.userId], references: [user.id] }),
}));
