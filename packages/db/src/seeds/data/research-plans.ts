/**
 * The research tier's demo content: plans in every state, in several organizations, with their
 * steps, sources, extractions, outputs, feedback, skill runs, MCP tool calls and AI calls. Ids are
 * derived from each plan's `key` (see seeds/research.ts), so a second run finds every row present.
 */
import type { aiStopReasonEnum } from "../../schema/ai.ts";
import type {
  planAuditEventTypeEnum,
  planStepStatusEnum,
  planStepTypeEnum,
  researchPlanStatusEnum,
  skillExecutionStatusEnum,
} from "../../schema/research.ts";

interface StepSeed {
  type: (typeof planStepTypeEnum.enumValues)[number];
  status: (typeof planStepStatusEnum.enumValues)[number];
  title: string;
  instructions: string;
  result?: Record<string, unknown>;
  error?: string;
}

interface ArtifactSeed {
  /** Position of the step that found it. */
  step: number;
  type: "source" | "note" | "dataset";
  title: string;
  sourceUrl?: string;
  /** Paragraphs separated by blank lines; the search tier chunks them. */
  content: string;
}

interface ExtractionSeed {
  step: number;
  /** 1-based index into the plan's artifacts. */
  artifact: number;
  schema: Record<string, unknown>;
  data: Record<string, unknown>;
  confidence: number;
}

interface OutputSeed {
  format: "report" | "summary" | "brief";
  title: string;
  content: string;
  isFinal: boolean;
}

interface FeedbackSeed {
  /** 1-based output version. */
  output: number;
  user: string;
  rating: 1 | 2 | 3 | 4 | 5;
  comment: string;
}

interface SkillSeed {
  step: number;
  skillName: string;
  status: (typeof skillExecutionStatusEnum.enumValues)[number];
  input: Record<string, unknown>;
  output?: Record<string, unknown>;
  error?: string;
  durationMs?: number;
}

interface ToolCallSeed {
  toolName: string;
  arguments: Record<string, unknown>;
  resultSummary: string;
  isError: boolean;
  durationMs: number;
  /** A seeded personal access token id (seeds/data/development.ts). */
  token?: string;
}

interface UsageSeed {
  step?: number;
  model: string;
  operation: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
  stopReason?: (typeof aiStopReasonEnum.enumValues)[number];
  latencyMs: number;
  /** Billed through the plan's batch at batch prices. */
  batch?: boolean;
  embeddingCount?: number;
  error?: string;
}

interface BatchSeed {
  model: string;
  providerBatchId: string;
  status: "ended" | "processing";
  requestCount: number;
  succeededCount: number;
  failedCount: number;
}

export interface ResearchPlanSeed {
  key: string;
  /** Organization slug and user key from seeds/data/development.ts. */
  org: string;
  user: string;
  title: string;
  question: string;
  status: (typeof researchPlanStatusEnum.enumValues)[number];
  summary?: string;
  /** When the plan started (ISO); later events are spaced an hour apart from it. */
  startedAt?: string;
  steps: StepSeed[];
  artifacts: ArtifactSeed[];
  extractions: ExtractionSeed[];
  outputs: OutputSeed[];
  feedback: FeedbackSeed[];
  skills: SkillSeed[];
  toolCalls: ToolCallSeed[];
  usage: UsageSeed[];
  batch?: BatchSeed;
  /** Audit events beyond those derived from steps, skills and feedback. */
  events: { type: (typeof planAuditEventTypeEnum.enumValues)[number]; details: Record<string, unknown> }[];
}

export const RESEARCH_PLANS: ResearchPlanSeed[] = [
  {
    key: "heat-pumps",
    org: "acme-research",
    user: "alice",
    title: "Heat pumps in cold climates",
    question: "How well do air-source heat pumps heat homes when winter temperatures fall below -15 °C?",
    status: "completed",
    summary:
      "Modern cold-climate heat pumps keep a coefficient of performance above 1.5 at -20 °C; sizing and backup heat matter more than the outdoor temperature.",
    startedAt: "2026-10-05T09:00:00Z",
    steps: [
      {
        type: "search",
        status: "completed",
        title: "Find field studies of cold-climate heat pumps",
        instructions: "Search for field trials and lab tests below -15 °C.",
        result: { sources: 3 },
      },
      {
        type: "extract",
        status: "completed",
        title: "Extract efficiency figures",
        instructions: "Pull COP by outdoor temperature from each study.",
        result: { extractions: 1 },
      },
      {
        type: "analyze",
        status: "completed",
        title: "Compare efficiency with resistance heating",
        instructions: "Compare running costs against electric resistance and gas.",
      },
      {
        type: "synthesize",
        status: "completed",
        title: "Write the report",
        instructions: "Summarise findings for a homeowner audience.",
      },
    ],
    artifacts: [
      {
        step: 1,
        type: "source",
        title: "Field trial of cold-climate air-source heat pumps in Minnesota",
        sourceUrl: "https://example.com/studies/cold-climate-heat-pump-field-trial",
        content:
          "A two-winter field trial monitored air-source heat pumps in twelve Minnesota homes. The heat pumps delivered a seasonal coefficient of performance of 2.1, and kept a COP above 1.5 at outdoor temperatures of -20 °C.\n\n" +
          "Homes with undersized heat pumps leaned on electric resistance backup heat during cold snaps, which cut seasonal efficiency. Correct sizing against the design temperature was the main predictor of heating cost.",
      },
      {
        step: 1,
        type: "source",
        title: "Laboratory ratings of variable-speed compressors at low temperature",
        sourceUrl: "https://example.com/labs/variable-speed-compressor-ratings",
        content:
          "Variable-speed inverter compressors keep heating capacity at low outdoor temperature better than single-speed units. In the lab, the best cold-climate models kept 80 percent of their rated heating capacity at -15 °C.\n\n" +
          "Defrost cycles cost between 5 and 10 percent of delivered heat in humid cold weather; dry cold air caused fewer defrost cycles.",
      },
      {
        step: 3,
        type: "note",
        title: "Running cost comparison notes",
        content:
          "At a COP of 2, a heat pump uses half the electricity of resistance heating for the same heat. Against a gas furnace, the running cost depends on the ratio of electricity price to gas price; at typical Midwest tariffs the heat pump is cheaper above -10 °C and similar below.",
      },
    ],
    extractions: [
      {
        step: 2,
        artifact: 1,
        schema: { type: "object", properties: { temperatureC: { type: "number" }, cop: { type: "number" } } },
        data: {
          measurements: [
            { temperatureC: 5, cop: 3.2 },
            { temperatureC: -10, cop: 2.0 },
            { temperatureC: -20, cop: 1.6 },
          ],
        },
        confidence: 0.92,
      },
    ],
    outputs: [
      {
        format: "report",
        title: "Heat pumps in cold climates: draft",
        content:
          "Cold-climate air-source heat pumps keep working well below freezing. Field data show a seasonal coefficient of performance around 2 in Minnesota winters.\n\n" +
          "Backup resistance heat is the main cost risk: size the heat pump for the local design temperature.",
        isFinal: false,
      },
      {
        format: "report",
        title: "Heat pumps in cold climates",
        content:
          "Modern cold-climate air-source heat pumps heat homes efficiently even at -20 °C, where they still deliver 1.5 units of heat per unit of electricity. Over a whole winter the field trial measured a seasonal COP of 2.1.\n\n" +
          "Sizing matters more than outdoor temperature: undersized heat pumps fall back on electric resistance backup heat, which halves efficiency during cold snaps. Variable-speed compressors hold their capacity best at low temperature.\n\n" +
          "Compared with a gas furnace, running cost depends on local electricity and gas prices; compared with resistance heating, a heat pump halves the electricity bill.",
        isFinal: true,
      },
    ],
    feedback: [
      { output: 1, user: "carol", rating: 3, comment: "Useful, but needs running-cost numbers." },
      {
        output: 2,
        user: "bob",
        rating: 5,
        comment: "Clear and well sourced: the sizing advice is what clients ask about.",
      },
    ],
    skills: [
      {
        step: 1,
        skillName: "web-research",
        status: "completed",
        input: { query: "cold climate heat pump field trial COP" },
        output: { sources: 3 },
        durationMs: 41_200,
      },
      {
        step: 2,
        skillName: "structured-extraction",
        status: "completed",
        input: { artifacts: 1 },
        output: { rows: 3 },
        durationMs: 8_400,
      },
    ],
    toolCalls: [
      {
        toolName: "research.create_plan",
        arguments: { question: "Heat pumps below -15 °C?" },
        resultSummary: "Created plan heat-pumps",
        isError: false,
        durationMs: 310,
        token: "pat_dev_alice_desktop",
      },
      {
        toolName: "research.get_output",
        arguments: { version: 2 },
        resultSummary: "Returned the final report (3 paragraphs)",
        isError: false,
        durationMs: 95,
        token: "pat_dev_alice_desktop",
      },
    ],
    usage: [
      {
        model: "claude-sonnet-4-6",
        operation: "research.plan",
        inputTokens: 2_400,
        outputTokens: 900,
        cacheWriteTokens: 1_800,
        stopReason: "end_turn",
        latencyMs: 6_100,
      },
      {
        step: 2,
        model: "claude-haiku-4-5",
        operation: "research.extract",
        inputTokens: 5_200,
        outputTokens: 700,
        stopReason: "end_turn",
        latencyMs: 2_300,
        batch: true,
      },
      {
        step: 2,
        model: "claude-haiku-4-5",
        operation: "research.extract",
        inputTokens: 4_800,
        outputTokens: 650,
        stopReason: "end_turn",
        latencyMs: 2_100,
        batch: true,
      },
      {
        step: 2,
        model: "claude-haiku-4-5",
        operation: "research.extract",
        inputTokens: 3_900,
        outputTokens: 600,
        stopReason: "end_turn",
        latencyMs: 1_900,
        batch: true,
      },
      {
        step: 4,
        model: "claude-opus-4-6",
        operation: "research.synthesize",
        inputTokens: 12_000,
        outputTokens: 2_600,
        cacheReadTokens: 1_800,
        stopReason: "end_turn",
        latencyMs: 38_000,
      },
      {
        step: 4,
        model: "gemini-embedding-2",
        operation: "search.embed",
        inputTokens: 1_450,
        outputTokens: 0,
        latencyMs: 420,
        embeddingCount: 9,
      },
    ],
    batch: {
      model: "claude-haiku-4-5",
      providerBatchId: "msgbatch_dev_heat_pumps",
      status: "ended",
      requestCount: 3,
      succeededCount: 3,
      failedCount: 0,
    },
    events: [{ type: "plan_modified", details: { change: "added running-cost comparison step" } }],
  },
  {
    key: "solid-state-batteries",
    org: "acme-research",
    user: "bob",
    title: "Solid-state battery supply chain",
    question: "Which materials constrain scaling solid-state batteries for electric vehicles before 2030?",
    status: "executing",
    startedAt: "2026-11-02T10:00:00Z",
    steps: [
      {
        type: "search",
        status: "completed",
        title: "Find supply-chain analyses",
        instructions: "Look for analyses of lithium metal and solid electrolyte supply.",
        result: { sources: 2 },
      },
      {
        type: "extract",
        status: "in_progress",
        title: "Extract capacity forecasts",
        instructions: "Extract production capacity forecasts per material.",
      },
      {
        type: "analyze",
        status: "pending",
        title: "Identify bottlenecks",
        instructions: "Rank materials by supply risk.",
      },
      {
        type: "synthesize",
        status: "pending",
        title: "Write the brief",
        instructions: "One-page brief for the investment team.",
      },
    ],
    artifacts: [
      {
        step: 1,
        type: "source",
        title: "Solid electrolyte materials outlook",
        sourceUrl: "https://example.com/reports/solid-electrolyte-outlook",
        content:
          "Sulfide solid electrolytes need lithium sulfide, whose production capacity is small and concentrated in a few suppliers. Oxide electrolytes are easier to handle but need high-temperature sintering.\n\n" +
          "Analysts expect lithium metal anodes to raise lithium demand per kilowatt-hour compared with graphite anodes in today's lithium-ion cells.",
      },
      {
        step: 1,
        type: "source",
        title: "Battery gigafactory announcements tracker",
        sourceUrl: "https://example.com/data/gigafactory-tracker",
        content:
          "Announced solid-state battery pilot lines total less than 20 gigawatt-hours of capacity by 2028, compared with more than 3,000 gigawatt-hours of conventional lithium-ion capacity. Most pilot lines target premium electric vehicles first.",
      },
    ],
    extractions: [],
    outputs: [],
    feedback: [],
    skills: [{ step: 2, skillName: "structured-extraction", status: "running", input: { artifacts: 2 } }],
    toolCalls: [
      {
        toolName: "research.get_plan",
        arguments: { plan: "solid-state-batteries" },
        resultSummary: "Plan executing: step 2 of 4",
        isError: false,
        durationMs: 80,
      },
    ],
    usage: [
      {
        model: "claude-sonnet-4-6",
        operation: "research.plan",
        inputTokens: 2_100,
        outputTokens: 820,
        stopReason: "end_turn",
        latencyMs: 5_400,
      },
      {
        step: 1,
        model: "claude-sonnet-4-6",
        operation: "research.search",
        inputTokens: 6_300,
        outputTokens: 1_100,
        stopReason: "tool_use",
        latencyMs: 9_800,
      },
    ],
    events: [],
  },
  {
    key: "sourdough",
    org: "alice",
    user: "alice",
    title: "Sourdough starter fermentation",
    question: "Why does my sourdough starter rise less in winter, and how do I fix it?",
    status: "awaiting_review",
    startedAt: "2026-11-10T19:00:00Z",
    steps: [
      {
        type: "search",
        status: "completed",
        title: "Find sources on starter fermentation",
        instructions: "Microbiology of sourdough starters and temperature.",
        result: { sources: 2 },
      },
      {
        type: "analyze",
        status: "completed",
        title: "Relate temperature to yeast and bacteria activity",
        instructions: "Explain the effect of temperature.",
      },
      {
        type: "checkpoint",
        status: "awaiting_input",
        title: "Review the draft summary",
        instructions: "Ask the user whether the advice fits their kitchen.",
      },
    ],
    artifacts: [
      {
        step: 1,
        type: "source",
        title: "Temperature and the microbes of sourdough",
        sourceUrl: "https://example.com/baking/sourdough-temperature",
        content:
          "Wild yeast and lactic acid bacteria in a sourdough starter both slow down in a cold kitchen. Yeast activity peaks around 26 °C; below 20 °C the starter rises slowly and tastes more sour because acid-producing bacteria keep working.\n\n" +
          "Feeding the starter with warm water and keeping it in a warm spot, such as an oven with only the light on, restores a faster rise.",
      },
      {
        step: 1,
        type: "source",
        title: "Flour, hydration and starter vigour",
        content:
          "Whole-grain rye and wheat flour feed a starter more nutrients than white flour. A stiffer, lower-hydration starter ferments more slowly; a wetter starter rises and falls faster.",
      },
    ],
    extractions: [],
    outputs: [
      {
        format: "summary",
        title: "Why the starter is slow in winter",
        content:
          "Your starter is slow because the kitchen is cold: yeast works best near 26 °C. Feed it with warm water, keep it somewhere warm, and add a spoon of whole-grain rye flour to give the yeast more food.",
        isFinal: false,
      },
    ],
    feedback: [],
    skills: [
      {
        step: 1,
        skillName: "web-research",
        status: "completed",
        input: { query: "sourdough starter cold kitchen" },
        output: { sources: 2 },
        durationMs: 22_000,
      },
    ],
    toolCalls: [],
    usage: [
      {
        model: "claude-haiku-4-5",
        operation: "research.plan",
        inputTokens: 1_200,
        outputTokens: 400,
        stopReason: "end_turn",
        latencyMs: 1_800,
      },
      {
        step: 2,
        model: "claude-haiku-4-5",
        operation: "research.analyze",
        inputTokens: 3_400,
        outputTokens: 900,
        cacheReadTokens: 1_000,
        stopReason: "end_turn",
        latencyMs: 3_200,
      },
    ],
    events: [],
  },
  {
    key: "family-ev",
    org: "garcia-family",
    user: "carol",
    title: "Choosing a family electric car",
    question: "Which electric car suits a family of five with a 60 km daily commute and a yearly road trip?",
    status: "planning",
    steps: [
      {
        type: "search",
        status: "pending",
        title: "Find seven-seat electric cars and their range",
        instructions: "List seven-seat electric vehicles sold in our market.",
      },
      {
        type: "analyze",
        status: "pending",
        title: "Compare range, charging and price",
        instructions: "Compare real-world winter range and fast-charging speed.",
      },
    ],
    artifacts: [],
    extractions: [],
    outputs: [],
    feedback: [],
    skills: [],
    toolCalls: [],
    usage: [
      {
        model: "claude-sonnet-4-6",
        operation: "research.plan",
        inputTokens: 1_600,
        outputTokens: 700,
        stopReason: "end_turn",
        latencyMs: 4_200,
      },
    ],
    events: [],
  },
  {
    key: "demand-forecasting",
    org: "northwind",
    user: "dave",
    title: "Retail demand forecasting methods",
    question: "Which demand forecasting methods work best for seasonal retail products with short histories?",
    status: "failed",
    startedAt: "2026-10-20T08:00:00Z",
    steps: [
      {
        type: "search",
        status: "completed",
        title: "Find forecasting method comparisons",
        instructions: "Find benchmark studies of retail demand forecasting.",
        result: { sources: 2 },
      },
      {
        type: "extract",
        status: "failed",
        title: "Extract accuracy by method",
        instructions: "Extract forecast error by method and horizon.",
        error: "The model stopped at max_tokens before finishing the table (3 attempts).",
      },
    ],
    artifacts: [
      {
        step: 1,
        type: "source",
        title: "Benchmark of retail demand forecasting methods",
        sourceUrl: "https://example.com/papers/retail-forecasting-benchmark",
        content:
          "Gradient-boosted trees trained across many products beat per-product exponential smoothing on seasonal retail demand, especially for products with short sales histories, because they borrow seasonal patterns from similar items.\n\n" +
          "For long, stable histories, simple seasonal exponential smoothing was within 3 percent of the best method's forecast error.",
      },
      {
        step: 1,
        type: "dataset",
        title: "Weekly sales of seasonal products",
        content:
          "Weekly unit sales of 400 seasonal retail products over three years, with promotion flags and holiday calendars, used to compare forecasting methods.",
      },
    ],
    extractions: [],
    outputs: [],
    feedback: [],
    skills: [
      {
        step: 2,
        skillName: "structured-extraction",
        status: "failed",
        input: { artifacts: 1 },
        error: "max_tokens reached before the table was complete",
        durationMs: 61_000,
      },
    ],
    toolCalls: [
      {
        toolName: "research.create_plan",
        arguments: { question: "Forecasting methods for seasonal retail?" },
        resultSummary: "Created plan demand-forecasting",
        isError: false,
        durationMs: 290,
        token: "pat_dev_dave_cli",
      },
      {
        toolName: "research.retry_step",
        arguments: { step: 2 },
        resultSummary: "Step 2 failed again: max_tokens",
        isError: true,
        durationMs: 60_500,
        token: "pat_dev_dave_cli",
      },
    ],
    usage: [
      {
        model: "claude-sonnet-4-6",
        operation: "research.plan",
        inputTokens: 1_900,
        outputTokens: 760,
        stopReason: "end_turn",
        latencyMs: 4_900,
      },
      {
        step: 2,
        model: "claude-sonnet-4-6",
        operation: "research.extract",
        inputTokens: 9_800,
        outputTokens: 4_096,
        stopReason: "max_tokens",
        latencyMs: 58_000,
        error: "Output truncated at max_tokens (4096)",
      },
    ],
    events: [],
  },
  {
    key: "japan-rail",
    org: "okafor-household",
    user: "erin",
    title: "Rail itinerary through Japan",
    question: "Is a Japan Rail Pass worth it for a two-week trip from Tokyo to Hiroshima and back?",
    status: "stalled",
    startedAt: "2026-09-12T07:30:00Z",
    steps: [
      {
        type: "search",
        status: "completed",
        title: "Find rail pass prices and fares",
        instructions: "Current Japan Rail Pass prices and single shinkansen fares.",
        result: { sources: 1 },
      },
      {
        type: "analyze",
        status: "in_progress",
        title: "Compare pass against single tickets",
        instructions: "Price the itinerary with and without the pass.",
      },
    ],
    artifacts: [
      {
        step: 1,
        type: "source",
        title: "Japan Rail Pass and shinkansen fares",
        sourceUrl: "https://example.com/travel/japan-rail-pass",
        content:
          "The Japan Rail Pass covers most shinkansen bullet trains except the fastest Nozomi services without a supplement. A return trip from Tokyo to Hiroshima by shinkansen costs roughly as much as a seven-day pass, so a pass pays off when the itinerary adds Kyoto and Osaka side trips.",
      },
    ],
    extractions: [],
    outputs: [],
    feedback: [],
    skills: [],
    toolCalls: [],
    usage: [
      {
        model: "claude-haiku-4-5",
        operation: "research.plan",
        inputTokens: 1_100,
        outputTokens: 380,
        stopReason: "end_turn",
        latencyMs: 1_600,
      },
    ],
    events: [{ type: "session_resumed", details: { after: "user returned after 9 days" } }],
  },
];
