import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ALL_JOB_NAMES, JOB_HANDLER, JobName } from '@tiltas/queue';

export type BoundHandler = (payload: unknown, context: JobContext) => Promise<unknown>;

export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** Reports progress (0–100 or a small object) for pages that show live progress. */
  progress(value: number | object): Promise<void>;
}

/** Finds every @JobHandler method; refuses to start when a job has no handler or two. */
@Injectable()
export class JobHandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<JobName, BoundHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const found = new Map<JobName, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<JobName | undefined>(JOB_HANDLER, fn as () => unknown);
        if (!name) continue;
        found.set(name, [...(found.get(name) ?? []), `${wrapper.name}.${method}`]);
        this.handlers.set(name, (fn as BoundHandler).bind(instance));
      }
    }
    const problems: string[] = [];
    for (const name of ALL_JOB_NAMES) {
      const owners = found.get(name) ?? [];
      if (owners.length === 0) problems.push(`job ${name} has no handler`);
      if (owners.length > 1) problems.push(`job ${name} has ${owners.length} handlers: ${owners.join(', ')}`);
    }
    for (const name of found.keys()) {
      if (!ALL_JOB_NAMES.includes(name)) problems.push(`handler for unknown job ${String(name)}`);
    }
    if (problems.length > 0) throw new Error(`The worker cannot start: ${problems.join('; ')}`);
  }

  handler(name: JobName): BoundHandler {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`no handler for job ${name}`);
    return handler;
  }
}
