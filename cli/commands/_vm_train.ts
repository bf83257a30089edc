/**
 * `train --vm-train`: the host's query (`-i`) joined with the guests'
 * queries (`--vm-input`) into a VM pipeline (`trainVmPipeline`). Each
 * guest's spec is `machine_spec/<guest>.json` (vCPUs as `cores`), as
 * `simulate --vms` writes it.
 *
 * @module
 */
import { pipelinePlace } from "./_pipeline_place.ts";
import type { CliContext } from "../command.ts";
import { UsageError } from "../errors.ts";
import { machineSpecFile, queryFile } from "../../lib/layout.ts";
import { readQueryFile, VM_NORMALIZATIONS } from "../../lib/extract/mod.ts";
import type { VmNormalization } from "../../lib/extract/mod.ts";
import { readMachineSpecFile } from "../../lib/query/machine_spec.ts";
import { trainVmPipeline } from "../../lib/train/vm_pipeline.ts";
import type { EnergySource, TrainerName } from "../../lib/types.ts";

/** The `--vm-normalization` values. */
export const VM_NORMALIZATION_CHOICES = ["auto", ...VM_NORMALIZATIONS] as const;

/** The flags `train --vm-train` reads. */
export interface VmTrainFlags {
  input?: string[] | undefined;
  vmInput?: string[] | undefined;
  vmNormalization: string;
  pipelineName: string;
  energySource: readonly EnergySource[];
  absTrainers?: readonly TrainerName[] | undefined;
  seed: number;
}

/** Runs `train --vm-train`. */
export async function runVmTrain(
  flags: VmTrainFlags,
  context: CliContext,
): Promise<void> {
  const { dataPath } = context.config;
  const { modelPath, pipeline } = pipelinePlace(
    context.config.modelPath,
    flags.pipelineName,
  );
  const hostName = flags.input?.length === 1 ? flags.input[0] : undefined;
  if (hostName === undefined) {
    throw new UsageError(
      "--vm-train needs the host's query as -i <name> (one name)",
    );
  }
  if (!flags.vmInput?.length) {
    throw new UsageError(
      "--vm-train needs the guests' queries as --vm-input <names>",
    );
  }
  const normalization = flags.vmNormalization;
  if (
    !(VM_NORMALIZATION_CHOICES as readonly string[]).includes(normalization)
  ) {
    throw new UsageError(
      `Unknown VM normalization "${normalization}": expected one of ${
        VM_NORMALIZATION_CHOICES.join(", ")
      }`,
    );
  }
  const host = await readQueryFile(queryFile(dataPath, hostName));
  const guests = [];
  for (const name of flags.vmInput) {
    const stem = name.replace(/\.json$/, "");
    const query = await readQueryFile(queryFile(dataPath, stem));
    const spec = await readMachineSpecFile(machineSpecFile(dataPath, stem))
      .catch((error) => {
        throw new UsageError(
          `Cannot read the spec of VM ${stem}: ${(error as Error).message}`,
          { cause: error },
        );
      });
    guests.push({ query, spec });
  }
  const report = await trainVmPipeline(host, guests, {
    modelPath,
    pipelineName: pipeline,
    source: flags.energySource[0] ?? "rapl-sysfs",
    normalization: normalization as VmNormalization | "auto",
    seed: flags.seed,
    ...(flags.absTrainers ? { trainers: flags.absTrainers } : {}),
  });
  const cv = report.crossValidation.find((c) =>
    c.normalization === report.normalization
  )!;
  const fmt = (r: Record<string, number | undefined>) =>
    Object.entries(r).map(([c, w]) => `${c} ${w!.toFixed(2)} W`).join(", ");
  context.out(
    `Trained VM pipeline ${report.pipelineDir}: ${report.models.length} models for VM sizes ${
      report.sizes.join(", ")
    } vCPUs; normalization ${report.normalization}; held-out VM MAE ${
      fmt(cv.vmMae)
    }${cv.sizes.length ? `; held-out size MAE ${fmt(cv.sizeMae)}` : ""}`,
  );
}
