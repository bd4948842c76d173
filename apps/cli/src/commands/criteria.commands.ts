import { CriteriaService, PreviewService, systemIdentificationActor } from '@tiltas/identification';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliExit, CliIo, withApp } from '../cli-context';

const CLI_ACTOR = systemIdentificationActor('cli');

function version(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new CliExit(2, `--version must be a whole number: ${value}`);
  return Number(value);
}

export function registerCriteriaCommands(program: Command, io: CliIo): void {
  const criteria = program.command('criteria').description('targeting criteria: list, show, sql, edit, preview, activate');

  criteria
    .command('list')
    .description('every current criterion version: id, version, status, lawful basis')
    .action(async () => {
      const rows = await withApp((app) => app.get(CriteriaService).list(CLI_ACTOR), { redis: false });
      for (const r of rows) {
        io.out(`${r.criterionId} ${r.version} ${r.status} ${r.lawfulBasisId ?? '-'}${r.municipality ? ` municipality=${r.municipality} based-on=${r.basedOn}` : ''}`);
      }
    });

  criteria
    .command('show')
    .argument('<id>', 'criterion id')
    .description('a criterion: its versions (history) and the current definition as JSON')
    .action(async (id: string) => {
      const detail = await withApp((app) => app.get(CriteriaService).show(id, CLI_ACTOR), { redis: false });
      io.out(`criterion ${detail.id}${detail.municipality ? ` (${detail.municipality}, copy of ${detail.basedOn})` : ' (national)'}`);
      for (const v of detail.versions) {
        io.out(`version ${v.version} ${v.status} basis=${v.lawfulBasisId ?? '-'} created=${v.createdAt} by=${v.createdBy}${v.activatedAt ? ` activated=${v.activatedAt} by=${v.activatedBy}` : ''}${v.retiredAt ? ` retired=${v.retiredAt}` : ''}`);
      }
      const current = detail.active ?? detail.draft;
      if (current) io.out(JSON.stringify(current.definition, null, 2));
    });

  criteria
    .command('sql')
    .argument('<id>', 'criterion id')
    .option('--version <n>', 'this version (default: the ACTIVE one, else the draft)')
    .option('--as-of <date>', 'write D in (default: the psql variable :as_of)')
    .description('the compiled query as a reviewer runs it by hand (psql -v as_of=YYYY-MM-DD -f file.sql)')
    .action(async (id: string, options: { version?: string; asOf?: string }) => {
      const sql = await withApp((app) => app.get(CriteriaService).reviewSql(id, CLI_ACTOR, { version: version(options.version), asOf: options.asOf }), { redis: false });
      io.out(sql.trimEnd());
    });

  criteria
    .command('edit')
    .argument('<id>', 'criterion id')
    .requiredOption('--file <json>', 'the whole definition, as JSON')
    .description('write the draft of a criterion (the active version stays live until the draft is activated)')
    .action(async (id: string, options: { file: string }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(options.file, 'utf8'));
      } catch (err) {
        throw new CliExit(2, `cannot read ${options.file} as JSON: ${(err as Error).message}`);
      }
      const v = await withApp((app) => app.get(CriteriaService).saveDraft(id, input, CLI_ACTOR), { redis: false });
      io.out(`${v.criterionId} ${v.version} ${v.status}`);
    });

  criteria
    .command('copy')
    .argument('<id>', 'the national criterion to tune')
    .requiredOption('--municipality <code>', 'LT-01…LT-60')
    .requiredOption('--as <newId>', 'id of the copy')
    .description("make a municipality's tuned copy of a national criterion, as a draft scoped to it")
    .action(async (id: string, options: { municipality: string; as: string }) => {
      const v = await withApp((app) => app.get(CriteriaService).copyForMunicipality(id, options.municipality, options.as, CLI_ACTOR), { redis: false });
      io.out(`${v.criterionId} ${v.version} ${v.status} municipality=${v.municipality}`);
    });

  criteria
    .command('preview')
    .argument('<id>', 'criterion id')
    .requiredOption('--as-of <date>', 'reference date D')
    .option('--version <n>', 'this version (default: the draft, else the active one)')
    .description('what a version would find at D: total, per municipality, funnel, difference from the active version')
    .action(async (id: string, options: { asOf: string; version?: string }) => {
      const p = await withApp((app) => app.get(PreviewService).preview({ criterionId: id, asOf: options.asOf, version: version(options.version) }, CLI_ACTOR), { redis: false });
      io.out(`${p.criterionId} version=${p.version ?? '-'} as-of=${p.asOf} total=${p.total}${p.diff ? ` adds=${p.diff.adds} drops=${p.diff.drops} (vs active ${p.diff.criterionId} v${p.diff.activeVersion})` : ''} ms=${p.durationMs}`);
      io.out('funnel:');
      for (const step of p.funnel) io.out(`  ${step.remaining}  ${step.label}`);
      io.out('per municipality:');
      for (const m of p.byMunicipality) io.out(`  ${m.municipality} found=${m.found} adds=${m.adds} drops=${m.drops}`);
      if (p.leftOut.length > 0) io.out('left out (a run leaves them to their own active copy):');
      for (const c of p.leftOut) io.out(`  ${c.municipality} to ${c.criterionId} v${c.version}`);
    });

  criteria
    .command('activate')
    .argument('<id>', 'criterion id')
    .requiredOption('--lawful-basis <id>', 'the lawful basis that covers its purpose and every register it reads')
    .option('--version <n>', 'this draft version (default: the draft)')
    .description('make the draft ACTIVE; refused, naming what is missing, unless the lawful basis covers it today')
    .action(async (id: string, options: { lawfulBasis: string; version?: string }) => {
      const r = await withApp((app) => app.get(CriteriaService).activate(id, options.lawfulBasis, CLI_ACTOR, { version: version(options.version) }), { redis: false });
      io.out(`${r.criterionId} ${r.version} ACTIVE ${r.lawfulBasisId}${r.retiredVersion ? ` (retired ${r.retiredVersion})` : ''}`);
    });
}
