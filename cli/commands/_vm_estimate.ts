/**
 * `estimate --vm`: a VM's power from its guest's query (`-i`, the Kepler
 * inside the VM, no energy) with a VM pipeline (`-p`), by `estimateVm`;
 * with `--vm-host` the host's query, the error against the power the host
 * attributes to each VM. Each guest's spec is `machine_spec/<guest>.json`
 * (as `simulate --vms` writes it), or `--vm-spec vcpus:memoryGiB`.
 *
 * @module
 */
import { pipelineFolderToRead } from "./_pipeline_place.ts";
import type { CliContext } from "../command.ts";
import { UsageError } from "../errors.ts";
import { machineSpecFile, outputDir, queryFile } from "../../lib/layout.ts";
import { readQueryFile } from "../../lib/extract/mod.ts";
import { readMachineSpecFile } from "../../lib/query/machine_spec.ts";
import {
  estimateVm,
  type VmEstimate,
  writeVmEstimates,
} from "../../lib/estimate/mod.ts";
import type { EnergySource, MachineSpec, OutputType } from "../../lib/types.ts";

/** The flags `estimate --vm` reads. */
export interface VmEstimateFlags {
  input?: string[] | undefined;
  pipelineName?: string | undefined;
  vmHost?: string | undefined;
  vmSpec?: string | undefined;
  output: string;
  energySource: readonly EnergySource[];
  outputType: OutputType;
}

/** `vcpus:memoryGiB` as a partial machine spec. */
function parseVmSpec(text: string): Partial<MachineSpec> & { cores: number } {
  const match = /^(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  const cores = Number(match?.[1]);
  if (!match || !(cores > 0)) {
    throw new UsageError(
      `Invalid --vm-spec "${text}": expected vcpus:memoryGiB, e.g. 4:16`,
    );
  }
  return { cores, memory: Number(match[2]) };
}

function line(e: VmEstimate): string {
  const parts = e.components.map((c) => {
    const mean = c.power.reduce((s, p) => s + p, 0) / c.power.length;
    return `${c.component} ${mean.toFixed(2)} W${
      c.mae === undefined ? "" : ` (MAE ${c.mae.toFixed(2)} W vs host)`
    }`;
  });
  return `${e.vm} (${e.vcpus} vCPUs): ${e.model}, the ${e.modelVcpus}-vCPU size (similarity ${
    e.similarity.toFixed(3)
  }), normalization ${e.normalization}; ${e.timestamp.length} intervals, mean ${
    parts.join(", ")
  }`;
}

/** Runs `estimate --vm`. */
export async function runVmEstimate(
  flags: VmEstimateFlags,
  context: CliContext,
): Promise<void> {
  const { dataPath, modelPath } = context.config;
  if (!flags.input?.length) {
    throw new UsageError(
      "--vm needs the guests' queries as -i <names> (the Kepler inside each VM)",
    );
  }
  const pipeline = flags.pipelineName;
  if (!pipeline) {
    throw new UsageError("--vm needs a VM pipeline as -p <name>");
  }
  const folder = await pipelineFolderToRead(modelPath, pipeline);
  const given = flags.vmSpec === undefined
    ? undefined
    : parseVmSpec(flags.vmSpec);
  const host = flags.vmHost === undefined
    ? undefined
    : await readQueryFile(queryFile(dataPath, flags.vmHost));
  const estimates: VmEstimate[] = [];
  for (const name of flags.input) {
    const stem = name.replace(/\.json$/, "");
    const guest = await readQueryFile(queryFile(dataPath, stem));
    const spec = given ??
      await readMachineSpecFile(machineSpecFile(dataPath, stem)).catch(
        (error) => {
          throw new UsageError(
            `Cannot read the spec of VM ${stem}: ${
              (error as Error).message
            } (give it as --vm-spec vcpus:memoryGiB)`,
            { cause: error },
          );
        },
      );
    const e = await estimateVm(guest, {
      pipeline: folder,
      spec,
      source: flags.energySource[0] ?? "rapl-sysfs",
      outputType: flags.outputType,
      errorKey: context.config.errorKey,
      ...(host === undefined ? {} : { host }),
    });
    context.out(line(e));
    estimates.push(e);
  }
  const path = await writeVmEstimates(
    estimates,
    outputDir(dataPath, flags.output),
  );
  context.out(`Wrote ${path}`);
}
