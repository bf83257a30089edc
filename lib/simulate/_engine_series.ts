/**
 * The containers and Kepler series of one simulated node: usage, node
 * energy, container energy and info series, each mapped to a counter slot.
 *
 * @module
 */
import { componentUnit, RAPL_COMPONENTS } from "../types.ts";
import type { Component } from "../types.ts";
import type { Labels } from "../query/format.ts";
import { randomHex } from "./_rng.ts";
import type { Rng } from "./_rng.ts";
import { SIMULATED_FEATURES } from "./node_model.ts";
import type { SimulatedFeature } from "./node_model.ts";
import { F } from "./_engine_types.ts";
import type {
  ContainerComponent,
  EngineConfig,
  KeplerNaming,
  NodeSlot,
  SeriesDef,
  SimulatedContainer,
  SimulatedSource,
} from "./_engine_types.ts";

const BACKGROUND: readonly (readonly [string, string])[] = [
  ["coredns", "kube-system"],
  ["etcd", "kube-system"],
  ["kube-apiserver", "kube-system"],
  ["kube-controller-manager", "kube-system"],
  ["kube-scheduler", "kube-system"],
  ["kube-proxy", "kube-system"],
  ["kindnet-cni", "kube-system"],
  ["kepler-exporter", "kepler"],
  ["prometheus", "monitoring"],
  ["config-reloader", "monitoring"],
  ["node-exporter", "monitoring"],
  ["kube-state-metrics", "monitoring"],
  ["alertmanager", "monitoring"],
  ["grafana", "monitoring"],
  ["local-path-provisioner", "local-path-storage"],
  ["tekton-pipelines-controller", "tekton-pipelines"],
  ["tekton-pipelines-webhook", "tekton-pipelines"],
  ["nginx", "default"],
  ["redis", "default"],
  ["postgres", "default"],
];

/** The `mode` label values, by mode index (0 dynamic, 1 idle). */
export const MODES = ["dynamic", "idle"] as const;

/** A copy of `labels` with its keys sorted. */
export function sortLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

function podName(rng: Rng, base: string): string {
  const alnum = "bcdfghjklmnpqrstvwxz2456789";
  let suffix = "";
  for (let i = 0; i < 5; i++) {
    suffix += alnum[Math.floor(rng.next() * alnum.length)];
  }
  return `${base}-${randomHex(rng, 10)}-${suffix}`;
}

/** The node's containers: stress workers, background, pseudo-containers. */
export function makeContainers(
  config: EngineConfig,
  rng: Rng,
): SimulatedContainer[] {
  const out: SimulatedContainer[] = [];
  const stressPod = `stressng-${randomHex(rng, 5)}`;
  for (let j = 0; j < config.stressContainers; j++) {
    out.push({
      id: randomHex(rng, 64),
      pod: stressPod,
      name: `stress-ng-${j}`,
      namespace: "default",
      role: "stress",
    });
  }
  for (let b = 0; b < config.containers - config.stressContainers; b++) {
    const known = BACKGROUND[b];
    const name = known ? known[0] : `app-${b - BACKGROUND.length}`;
    const namespace = known ? known[1] : "default";
    out.push({
      id: randomHex(rng, 64),
      pod: podName(rng, name),
      name,
      namespace,
      role: "background",
    });
  }
  for (
    const [name, namespace, role] of [
      ["system_processes", "system", "system"],
      ["kernel_processes", "kernel", "kernel"],
    ] as const
  ) {
    out.push({ id: name, pod: name, name, namespace, role });
  }
  return out;
}

/** The `source` label of an energy source under a naming. */
export function sourceLabel(
  source: SimulatedSource,
  naming: KeplerNaming,
): string {
  return naming === "legacy" && source === "rapl-sysfs" ? "rapl" : source;
}

function usageMetricName(feature: SimulatedFeature, naming: KeplerNaming) {
  return feature === "bpf_cpu_time_ms" && naming === "legacy"
    ? "kepler_container_bpf_cpu_time_us_total"
    : `kepler_container_${feature}_total`;
}

/** Usage series of every container: slot `c * F + f`. */
function usageSeries(
  containers: readonly SimulatedContainer[],
  naming: KeplerNaming,
  series: SeriesDef[],
): void {
  const C = containers.length;
  for (let c = 0; c < C; c++) {
    const ct = containers[c]!;
    const base: Labels = {
      container_id: ct.id,
      container_name: ct.name,
      container_namespace: ct.namespace,
      pod_name: ct.pod,
    };
    if (naming !== "legacy") base.source = "bpf";
    SIMULATED_FEATURES.forEach((feature, f) => {
      const legacyUs = feature === "bpf_cpu_time_ms" && naming === "legacy";
      const name = usageMetricName(feature, naming);
      series.push({
        name,
        labels: sortLabels(base),
        slot: c * F + f,
        scale: legacyUs ? 1000 : 1,
        type: "counter",
        help: `Aggregated value in ${
          legacyUs ? "bpf_cpu_time_us" : feature
        } value from bpf`,
      });
    });
  }
}

/** Node energy series per component, socket and mode, from slot `slots`. */
export function nodeEnergySeries(
  config: Pick<EngineConfig, "model" | "naming" | "sources" | "instance">,
  slots: number,
  series: SeriesDef[],
): { nodeSlots: NodeSlot[]; slots: number } {
  const { model, naming, sources } = config;
  const rapl = sources.includes("rapl-sysfs");
  const acpi = sources.includes("acpi");
  const nodeSlots: NodeSlot[] = [];
  const nodeComponents: (Component | "other")[] = [];
  if (rapl) nodeComponents.push(...RAPL_COMPONENTS);
  if (acpi) nodeComponents.push("platform");
  if (rapl && acpi) nodeComponents.push("other");
  for (const component of nodeComponents) {
    const source: SimulatedSource = component === "platform"
      ? "acpi"
      : "rapl-sysfs";
    const perSocket = component !== "other" &&
      componentUnit(component) === "package";
    const sockets = perSocket ? model.spec.chips : 1;
    for (let s = 0; s < sockets; s++) {
      for (const mode of [0, 1] as const) {
        const labels: Labels = { instance: config.instance, mode: MODES[mode] };
        if (perSocket) labels.package = String(s);
        if (component === "other" && naming !== "legacy") {
          labels.package = "socket0";
        }
        if (component !== "other" || naming !== "legacy") {
          labels.source = sourceLabel(source, naming);
        }
        const slot = slots++;
        nodeSlots.push({
          component,
          socket: perSocket ? s : -1,
          mode,
          slot,
        });
        series.push({
          name: `kepler_node_${component}_joules_total`,
          labels: sortLabels(labels),
          slot,
          scale: 1e-3,
          type: "counter",
          help: `Aggregated value in ${component} value from ${
            sourceLabel(source, naming)
          }`,
        });
      }
    }
  }

  return { nodeSlots, slots };
}

/** Container energy series per container, component and mode. */
function containerEnergySeries(
  config: EngineConfig,
  containers: readonly SimulatedContainer[],
  slots: number,
  series: SeriesDef[],
) {
  const { naming, sources } = config;
  const rapl = sources.includes("rapl-sysfs");
  const acpi = sources.includes("acpi");
  const C = containers.length;
  const containerComponents: ContainerComponent[] = [];
  if (rapl) containerComponents.push(...RAPL_COMPONENTS);
  if (acpi) containerComponents.push("platform");
  if (rapl && acpi) containerComponents.push("other");
  containerComponents.push("total");
  const K = containerComponents.length;
  const containerSlots = new Int32Array(C * K * 2);
  for (let c = 0; c < C; c++) {
    const ct = containers[c]!;
    for (let k = 0; k < K; k++) {
      const component = containerComponents[k]!;
      for (const mode of [0, 1] as const) {
        const labels: Labels = {
          container_id: ct.id,
          container_name: ct.name,
          container_namespace: ct.namespace,
          mode: MODES[mode],
          pod_name: ct.pod,
        };
        const source = component === "platform" ? "acpi" : "rapl-sysfs";
        if (component !== "total" && naming !== "legacy") {
          labels.source = sourceLabel(source, naming);
        }
        const slot = slots++;
        containerSlots[(c * K + k) * 2 + mode] = slot;
        series.push({
          name: component === "total"
            ? "kepler_container_joules_total"
            : `kepler_container_${component}_joules_total`,
          labels: sortLabels(labels),
          slot,
          scale: 1e-3,
          type: "counter",
          help: component === "total"
            ? "Aggregated value in  value from "
            : `Aggregated value in ${component} value from ${
              sourceLabel(source, naming)
            }`,
        });
      }
    }
  }

  return { containerComponents, containerSlots, slots };
}

/**
 * The two info series (constants), at slots `slots` and `slots + 1`;
 * without sources `kepler_node_info` says `estimator` and `none`.
 */
export function infoSeries(
  config: Pick<EngineConfig, "model" | "naming" | "sources">,
  slots: number,
  series: SeriesDef[],
): number {
  const { model, naming, sources } = config;
  const rapl = sources.includes("rapl-sysfs");
  const acpi = sources.includes("acpi");
  const infoSlot = slots++;
  const buildSlot = slots++;
  const info: Labels = naming === "legacy"
    ? { cpu_architecture: model.cpuArchitecture }
    : {
      components_power_source: rapl ? "rapl-sysfs" : "estimator",
      cpu_architecture: model.cpuArchitecture,
      platform_power_source: acpi ? "acpi" : "none",
      source: "os",
    };
  series.push({
    name: "kepler_node_info",
    labels: sortLabels(info),
    slot: infoSlot,
    scale: 1,
    type: "gauge",
    help: "Aggregated value in  value from os",
  });
  series.push({
    name: "kepler_exporter_build_info",
    labels: sortLabels({
      arch: "amd64",
      branch: "",
      os: "linux",
      revision: "simulated",
      version: naming === "legacy" ? "v0.7.2" : "v0.7.12",
    }),
    slot: buildSlot,
    scale: 1,
    type: "gauge",
    help:
      "A metric with a constant '1' value labeled by version, revision, branch, os and arch from which kepler_exporter was built.",
  });

  return slots;
}

/**
 * Every series of a node in exposition order (usage, node energy,
 * container energy, info) and its slot layout; the last two slots are the
 * info constants.
 */
export function defineSeries(
  config: EngineConfig,
  containers: readonly SimulatedContainer[],
) {
  const series: SeriesDef[] = [];
  usageSeries(containers, config.naming, series);
  const node = nodeEnergySeries(config, containers.length * F, series);
  const cont = containerEnergySeries(config, containers, node.slots, series);
  const slots = infoSeries(config, cont.slots, series);
  return {
    series,
    slots,
    nodeSlots: node.nodeSlots,
    containerSlots: cont.containerSlots,
    containerComponents: cont.containerComponents,
  };
}
