/**
 * The research tier: the plans of seeds/data/research-plans.ts with everything they produced, each
 * plan written in one `withTenantContext` transaction of its organization, so the RLS policies
 * check every row. AI usage is priced from the registry (reference tier) in force at seeding time.
 * Ids derive from the plan's key, so a second run inserts nothing.
 */
import { createHash } from "node:crypto";
import { type SeedTableCount, sumCounts } from "@repo/migrator";
import { type Database, type Transaction, withTenantContext } from "../client.ts";
import { aiBatch, aiCallDetails, aiModel, aiUsage } from "../schema/ai.ts";
import { mcpToolCallLog } from "../schema/mcp.ts";
import {
  extractionResult,
  planAuditLog,
  planStep,
  researchArtifact,
  researchFeedback,
  researchOutput,
  researchPlan,
  skillExecution,
} from "../schema/research.ts";
import { RESEARCH_PLANS, type ResearchPlanSeed } from "./data/research-plans.ts";
import { type DevelopmentIds, loadDevelopmentIds } from "./development-ids.ts";
import { insertMissing } from "./insert-missing.ts";
import { usageCost } from "./usage-cost.ts";

/** Deterministic ids of a plan's rows: `plan_dev_<key>`, `plan_dev_<key>_step_2`, … */
export const researchIds = {
  plan: (key: string) => `plan_dev_${key}`,
  step: (key: string, position: number) => `plan_dev_${key}_step_${position}`,
  artifact: (key: string, n: number) => `plan_dev_${key}_artifact_${n}`,
  output: (key: string, version: number) => `plan_dev_${key}_output_${version}`,
};

/** A UUID derived from text, so a plan's calls share one stable correlation id. */
function uuidFromText(text: string): string {
  const hex = createHash("sha256").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function hoursAfter(plan: ResearchPlanSeed, hours: number): Date | undefined {
  return plan.startedAt ? new Date(new Date(plan.startedAt).getTime() + hours * 3_600_000) : undefined;
}

function userOf(ids: DevelopmentIds, key: string): string {
  const id = ids.users.get(key);
  if (!id) throw new Error(`seeds/data/research-plans.ts: unknown user key "${key}"`);
  return id;
}

/** The audit log a plan's history implies: step and skill events, reviews, and explicit events. */
function auditEntries(plan: ResearchPlanSeed, organizationId: string, userId: string) {
  const planId = researchIds.plan(plan.key);
  const entries: (typeof planAuditLog.$inferInsert)[] = [];
  const add = (
    eventType: (typeof planAuditLog.$inferInsert)["eventType"],
    hours: number,
    details: Record<string, unknown>,
    step?: number,
  ) => {
    const createdAt = hoursAfter(plan, hours);
    entries.push({
      id: `${planId}_audit_${entries.length + 1}`,
      organizationId,
      planId,
      stepId: step === undefined ? null : researchIds.step(plan.key, step),
      userId,
      eventType,
      details,
      ...(createdAt ? { createdAt } : {}),
    });
  };
  plan.steps.forEach((step, index) => {
    const position = index + 1;
    if (step.status === "pending") return;
    add("step_started", position, { title: step.title }, position);
    if (step.status === "completed") add("step_completed", position + 0.5, { title: step.title }, position);
    if (step.status === "failed") add("step_failed", position + 0.5, { error: step.error }, position);
  });
  for (const skill of plan.skills) {
    add("skill_started", skill.step + 0.1, { skill: skill.skillName }, skill.step);
    if (skill.status === "completed") add("skill_completed", skill.step + 0.4, { skill: skill.skillName }, skill.step);
    if (skill.status === "failed")
      add("skill_failed", skill.step + 0.4, { skill: skill.skillName, error: skill.error }, skill.step);
  }
  for (const feedback of plan.feedback)
    add("user_reviewed", plan.steps.length + 1, { rating: feedback.rating, output: feedback.output });
  for (const event of plan.events) add(event.type, plan.steps.length + 2, event.details);
  return entries;
}

/** Writes one plan and everything it produced, in its organization's tenant context. */
async function seedPlan(
  tx: Transaction,
  plan: ResearchPlanSeed,
  organizationId: string,
  ids: DevelopmentIds,
): Promise<SeedTableCount[]> {
  const userId = userOf(ids, plan.user);
  const planId = researchIds.plan(plan.key);
  const stepId = (position: number) => researchIds.step(plan.key, position);
  const finished = plan.status === "completed" || plan.status === "failed";
  const counts: SeedTableCount[] = [];

  counts.push(
    await insertMissing(tx, researchPlan, [
      {
        id: planId,
        organizationId,
        userId,
        title: plan.title,
        question: plan.question,
        status: plan.status,
        summary: plan.summary ?? null,
        metadata: { seed: "research" },
        startedAt: hoursAfter(plan, 0) ?? null,
        completedAt: finished ? (hoursAfter(plan, plan.steps.length + 1) ?? null) : null,
      },
    ]),
  );
  counts.push(
    await insertMissing(
      tx,
      planStep,
      plan.steps.map((step, index) => ({
        id: stepId(index + 1),
        organizationId,
        planId,
        position: index + 1,
        stepType: step.type,
        status: step.status,
        title: step.title,
        instructions: step.instructions,
        result: step.result ?? null,
        error: step.error ?? null,
        dependsOn: index === 0 ? [] : [stepId(index)],
        attemptCount: step.status === "pending" ? 0 : step.status === "failed" ? 3 : 1,
        startedAt: step.status === "pending" ? null : (hoursAfter(plan, index + 1) ?? null),
        completedAt: step.status === "completed" ? (hoursAfter(plan, index + 1.5) ?? null) : null,
      })),
    ),
  );
  counts.push(
    await insertMissing(
      tx,
      researchArtifact,
      plan.artifacts.map((artifact, index) => ({
        id: researchIds.artifact(plan.key, index + 1),
        organizationId,
        planId,
        stepId: stepId(artifact.step),
        artifactType: artifact.type,
        title: artifact.title,
        content: artifact.content,
        mediaType: "text/plain",
        sourceUrl: artifact.sourceUrl ?? null,
      })),
    ),
  );
  counts.push(
    await insertMissing(
      tx,
      extractionResult,
      plan.extractions.map((extraction, index) => ({
        id: `${planId}_extraction_${index + 1}`,
        organizationId,
        planId,
        stepId: stepId(extraction.step),
        sourceArtifactId: researchIds.artifact(plan.key, extraction.artifact),
        extractionSchema: extraction.schema,
        data: extraction.data,
        confidence: extraction.confidence,
      })),
    ),
  );
  counts.push(
    await insertMissing(
      tx,
      researchOutput,
      plan.outputs.map((output, index) => ({
        id: researchIds.output(plan.key, index + 1),
        organizationId,
        planId,
        format: output.format,
        title: output.title,
        content: output.content,
        version: index + 1,
        isFinal: output.isFinal,
      })),
    ),
  );
  counts.push(
    await insertMissing(
      tx,
      researchFeedback,
      plan.feedback.map((feedback, index) => ({
        id: `${planId}_feedback_${index + 1}`,
        organizationId,
        planId,
        outputId: researchIds.output(plan.key, feedback.output),
        userId: userOf(ids, feedback.user),
        rating: feedback.rating,
        comment: feedback.comment,
      })),
    ),
  );
  counts.push(
    await insertMissing(
      tx,
      skillExecution,
      plan.skills.map((skill, index) => {
        const startedAt = hoursAfter(plan, skill.step + 0.1);
        return {
          id: `${planId}_skill_${index + 1}`,
          organizationId,
          planId,
          stepId: stepId(skill.step),
          skillName: skill.skillName,
          status: skill.status,
          input: skill.input,
          output: skill.output ?? null,
          error: skill.error ?? null,
          ...(startedAt ? { startedAt } : {}),
          completedAt: startedAt && skill.durationMs ? new Date(startedAt.getTime() + skill.durationMs) : null,
          durationMs: skill.durationMs ?? null,
        };
      }),
    ),
  );
  counts.push(await insertMissing(tx, planAuditLog, auditEntries(plan, organizationId, userId)));
  counts.push(
    await insertMissing(
      tx,
      mcpToolCallLog,
      plan.toolCalls.map((call, index) => ({
        id: `${planId}_mcp_${index + 1}`,
        organizationId,
        userId,
        tokenId: call.token ?? null,
        toolName: call.toolName,
        arguments: call.arguments,
        resultSummary: call.resultSummary,
        isError: call.isError,
        durationMs: call.durationMs,
      })),
    ),
  );
  counts.push(...(await seedUsage(tx, plan, organizationId, userId)));
  return counts;
}

/** The plan's batch, its AI calls priced from the registry, and each call's request/response. */
async function seedUsage(
  tx: Transaction,
  plan: ResearchPlanSeed,
  organizationId: string,
  userId: string,
): Promise<SeedTableCount[]> {
  const planId = researchIds.plan(plan.key);
  const batchId = `${planId}_batch`;
  const batches = plan.batch
    ? [
        {
          id: batchId,
          organizationId,
          userId,
          modelId: plan.batch.model,
          providerBatchId: plan.batch.providerBatchId,
          status: plan.batch.status,
          requestCount: plan.batch.requestCount,
          succeededCount: plan.batch.succeededCount,
          failedCount: plan.batch.failedCount,
          submittedAt: hoursAfter(plan, 2) ?? null,
          endedAt: plan.batch.status === "ended" ? (hoursAfter(plan, 2.5) ?? null) : null,
          expiresAt: hoursAfter(plan, 26) ?? null,
        },
      ]
    : [];
  const models = new Map(
    (await tx.select({ id: aiModel.id, providerModelId: aiModel.providerModelId }).from(aiModel)).map((m) => [
      m.id,
      m.providerModelId,
    ]),
  );
  const pricedAt = new Date();
  const usageRows: (typeof aiUsage.$inferInsert)[] = [];
  const detailRows: (typeof aiCallDetails.$inferInsert)[] = [];
  for (const [index, call] of plan.usage.entries()) {
    const tokens = {
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      cacheWriteTokens: call.cacheWriteTokens ?? 0,
      cacheReadTokens: call.cacheReadTokens ?? 0,
    };
    const id = `${planId}_usage_${index + 1}`;
    usageRows.push({
      id,
      organizationId,
      userId,
      modelId: call.model,
      batchId: call.batch ? batchId : null,
      planId,
      operation: call.operation,
      ...tokens,
      costUsd: await usageCost(tx, call.model, tokens, { batch: call.batch ?? false, at: pricedAt }),
      stopReason: call.stopReason ?? null,
      latencyMs: call.latencyMs,
      correlationId: uuidFromText(planId),
      embeddingCount: call.embeddingCount ?? null,
      createdAt: pricedAt,
    });
    detailRows.push({
      id: `${id}_details`,
      organizationId,
      usageId: id,
      request: {
        model: models.get(call.model) ?? call.model,
        operation: call.operation,
        step: call.step ?? null,
        messages: [{ role: "user", content: `${call.operation} for "${plan.title}"` }],
      },
      response: {
        stop_reason: call.stopReason ?? null,
        usage: {
          input_tokens: tokens.inputTokens,
          output_tokens: tokens.outputTokens,
          cache_creation_input_tokens: tokens.cacheWriteTokens,
          cache_read_input_tokens: tokens.cacheReadTokens,
        },
      },
      error: call.error ?? null,
    });
  }
  return [
    await insertMissing(tx, aiBatch, batches),
    await insertMissing(tx, aiUsage, usageRows),
    await insertMissing(tx, aiCallDetails, detailRows),
  ];
}

/** Runs the research tier; returns counts per table. Needs the reference and development tiers. */
export async function seedResearchData(db: Database): Promise<SeedTableCount[]> {
  const ids = await loadDevelopmentIds(db, "research");
  const counts: SeedTableCount[] = [];
  for (const plan of RESEARCH_PLANS) {
    const organizationId = ids.organizations.get(plan.org);
    if (!organizationId) throw new Error(`seeds/data/research-plans.ts: unknown organization "${plan.org}"`);
    counts.push(
      ...(await withTenantContext(
        organizationId,
        userOf(ids, plan.user),
        (tx) => seedPlan(tx, plan, organizationId, ids),
        db,
      )),
    );
  }
  return sumCounts(counts);
}
