/**
 * A report as FHIR R4: a transaction Bundle with the DiagnosticReport (category v2-0074 MB), one
 * Observation per morphotype (LOINC 87969-2 for blood, else 664-3; SNOMED CT value), the Specimen,
 * the Device (engine and model) and the annotated fields as Media. Every entry is a conditional PUT
 * on its identifier, so sending the same report twice updates rather than duplicates it.
 * The JP Core option adds JP_DiagnosticReport_Microbiology / JP_Observation_Microbiology profiles,
 * categories and codes.
 */
import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Device,
  DiagnosticReport,
  FhirResource,
  Media,
  Observation,
  Reference,
  Specimen,
} from 'fhir/r4.js';
import type { EngineInfo } from '../../domain/analysis-result.js';
import { FINDING_MIN_SHARE } from '../../analysis/summarise.js';
import { LABELS, MORPHOTYPES, NO_ORGANISMS, isLabelKey } from '../../domain/taxonomy.js';
import type { FieldImage } from '../annotated-image.js';
import type { ReportModel } from '../specimen.service.js';
import { CODES, PROFILES, SYSTEMS } from './fhir-codes.js';

export type FhirProfile = 'r4' | 'jp-core';

export interface FhirOptions {
  profile: FhirProfile;
  /** System URI of gramscope's identifiers. */
  identifierSystem: string;
  /** The site's JLAC10 code for the Gram-stain smear (JP Core); '' leaves it out. */
  jlac10Code: string;
  /** Annotated fields (same order as the model's fields); only retained images become Media. */
  images: readonly (FieldImage | null)[];
}

/** A stable urn:uuid from a key, so the same report always has the same internal references. */
export function stableUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const escapeXhtml = (s: string): string =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

interface Entry {
  resource: FhirResource;
  fullUrl: string;
  identifierValue: string;
}

/**
 * @example
 * const bundle = buildFhirBundle(model, { profile: 'r4', identifierSystem: 'urn:gramscope:id', jlac10Code: '', images: [] });
 * bundle.entry[0].resource.resourceType; // 'DiagnosticReport'
 */
export function buildFhirBundle(model: ReportModel, options: FhirOptions): Bundle {
  const jp = options.profile === 'jp-core';
  const system = options.identifierSystem;
  const subjectKey = `${model.subject.type}/${model.subject.id}`;
  const entries: Entry[] = [];
  const add = (resource: FhirResource, identifierValue: string): Reference => {
    const fullUrl = `urn:uuid:${stableUuid(`${system}|${identifierValue}`)}`;
    entries.push({ resource, fullUrl, identifierValue });
    return { reference: fullUrl };
  };
  const identifier = (value: string) => [{ system, value }];
  const status = model.status === 'final' ? 'final' : 'preliminary';
  const blood = (model.specimen?.type ?? 'blood') === 'blood';
  const gramStainCode = blood ? CODES.gramStainBlood : CODES.gramStainAnySpecimen;
  const effective =
    model.specimen?.collectedAt ?? model.fields[0]?.stored.result.createdAt ?? model.generatedAt;
  const issued = model.signOff?.at ?? model.generatedAt;

  // Device: the engine and model that produced the fields.
  const deviceRefs = model.engines.map((e) => add(buildDevice(e, identifier(deviceKey(e))), deviceKey(e)));

  // Specimen.
  const specimenId =
    model.specimen?.id ?? model.fields[0]?.stored.result.specimen ?? `analysis-${model.subject.id}`;
  const specimen: Specimen = {
    resourceType: 'Specimen',
    identifier: identifier(`specimen/${specimenId}`),
    ...(model.specimen?.accession
      ? {
          accessionIdentifier: {
            type: { coding: [CODES.accessionIdentifier] },
            value: model.specimen.accession,
          },
        }
      : {}),
    status: 'available',
    type: blood
      ? { coding: [CODES.bloodSpecimen], text: 'Positive blood culture' }
      : { text: 'Other specimen' },
    ...(model.specimen?.collectedAt ? { collection: { collectedDateTime: model.specimen.collectedAt } } : {}),
  };
  const specimenRef = add(specimen, `specimen/${specimenId}`);

  // Media: the annotated fields whose images were retained.
  const mediaRefs: { ref: Reference; comment: string }[] = [];
  model.fields.forEach((f, i) => {
    const img = options.images[i];
    if (!img?.retained) return;
    const value = `${subjectKey}/media/${f.stored.result.id}`;
    const media: Media = {
      resourceType: 'Media',
      identifier: identifier(value),
      status: 'completed',
      type: { coding: [CODES.mediaImage] },
      createdDateTime: f.stored.result.createdAt,
      ...(deviceRefs[0] ? { device: deviceRefs[0] } : {}),
      width: img.width,
      height: img.height,
      content: {
        contentType: img.contentType,
        data: img.png.toString('base64'),
        title: `${f.name} annotated field (analysis ${f.stored.result.id})`,
      },
      note: [{ text: `${f.summary.finding.en} / ${f.summary.finding.ja}` }],
    };
    mediaRefs.push({ ref: add(media, value), comment: `${f.name}: ${f.summary.finding.en}` });
  });

  // Observations: one per organism morphotype seen, or one "No organisms seen".
  const category: CodeableConcept[] = jp
    ? [
        { coding: [CODES.jpLaboratory] },
        { coding: [CODES.jpMicrobiologyStudies] },
        { coding: [CODES.jpGramStain] },
      ]
    : [{ coding: [CODES.laboratoryCategory] }];
  const code: CodeableConcept = {
    coding: [
      gramStainCode,
      ...(jp && options.jlac10Code
        ? [{ system: SYSTEMS.jlac10, code: options.jlac10Code, display: '塗抹鏡検(一般細菌)' }]
        : []),
    ],
    text: 'Gram stain',
  };
  const observationBase = (value: string): Omit<Observation, 'valueCodeableConcept'> => ({
    resourceType: 'Observation',
    ...(jp ? { meta: { profile: [PROFILES.jpObservationMicrobiology] } } : {}),
    identifier: identifier(value),
    status,
    category,
    code,
    effectiveDateTime: effective,
    issued,
    method: { coding: [CODES.gramStainMethod] },
    specimen: specimenRef,
    ...(deviceRefs[0] ? { device: deviceRefs[0] } : {}),
    ...(mediaRefs.length ? { derivedFrom: mediaRefs.map((m) => m.ref) } : {}),
  });
  const organisms = model.pooled.morphotypes.filter((m) => MORPHOTYPES[m.morphotype].organism && m.count > 0);
  const resultRefs: Reference[] = [];
  if (!model.pooled.assessable) {
    // Nothing can be said: report the reason rather than a value.
    const value = `${subjectKey}/observation/not-assessable`;
    resultRefs.push(
      add(
        {
          ...observationBase(value),
          dataAbsentReason: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
                code: 'error',
                display: 'Error',
              },
            ],
            text: `${model.pooled.finding.en} / ${model.pooled.finding.ja}`,
          },
        },
        value,
      ),
    );
  } else if (organisms.length === 0) {
    const value = `${subjectKey}/observation/no-organisms`;
    resultRefs.push(
      add(
        {
          ...observationBase(value),
          valueCodeableConcept: {
            coding: [{ system: SYSTEMS.snomed, code: NO_ORGANISMS.snomed, display: NO_ORGANISMS.en }],
            text: `${NO_ORGANISMS.en} / ${NO_ORGANISMS.ja}`,
          },
        },
        value,
      ),
    );
  } else {
    for (const m of organisms) {
      const morph = MORPHOTYPES[m.morphotype];
      const value = `${subjectKey}/observation/${m.morphotype}`;
      resultRefs.push(
        add(
          {
            ...observationBase(value),
            valueCodeableConcept: {
              coding: [{ system: SYSTEMS.snomed, code: morph.snomed!, display: morph.en }],
              text: `${morph.en} / ${morph.ja}`,
            },
            component: [
              { code: { coding: [CODES.organismCount] }, valueInteger: m.count },
              {
                code: { coding: [CODES.organismShare] },
                valueQuantity: {
                  value: Math.round(m.share * 1000) / 10,
                  unit: '%',
                  system: SYSTEMS.ucum,
                  code: '%',
                },
              },
            ],
          },
          value,
        ),
      );
    }
  }

  // The report.
  const named = organisms.filter((m) => m.share >= FINDING_MIN_SHARE);
  const differential = model.pooled.differential
    .slice(0, 5)
    .map((d) => `${isLabelKey(d.label) ? LABELS[d.label].en : d.label} ${d.score.toFixed(2)}`)
    .join(', ');
  const conclusion =
    `${model.pooled.finding.en} / ${model.pooled.finding.ja}. ` +
    `Decision support (gramscope), pooled over ${model.fields.length - model.excluded.length} field(s)` +
    (differential ? `; differential, not an identification: ${differential}` : '') +
    (status === 'final' ? '.' : '. Preliminary until signed off by a reviewer.');
  const snomedConcept = (code: string, en: string, ja: string): CodeableConcept => ({
    coding: [{ system: SYSTEMS.snomed, code, display: en }],
    text: ja,
  });
  const conclusionCode: CodeableConcept[] = !model.pooled.assessable
    ? []
    : organisms.length === 0
      ? [snomedConcept(NO_ORGANISMS.snomed, NO_ORGANISMS.en, NO_ORGANISMS.ja)]
      : named.map((m) => {
          const morph = MORPHOTYPES[m.morphotype];
          return snomedConcept(morph.snomed!, morph.en, morph.ja);
        });
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    ...(jp ? { meta: { profile: [PROFILES.jpDiagnosticReportMicrobiology] } } : {}),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Gram stain (${status})</b>: ${escapeXhtml(model.pooled.finding.en)} / ${escapeXhtml(model.pooled.finding.ja)}</p><p>${escapeXhtml(conclusion)}</p></div>`,
    },
    identifier: identifier(`report/${subjectKey}`),
    ...(model.specimen?.accession
      ? {
          basedOn: [
            {
              type: 'ServiceRequest',
              identifier: { type: { coding: [CODES.accessionIdentifier] }, value: model.specimen.accession },
            },
          ],
        }
      : {}),
    status,
    category: jp
      ? [{ coding: [CODES.jpReportCategory] }, { coding: [CODES.microbiologyCategory] }]
      : [{ coding: [CODES.microbiologyCategory] }],
    code: jp
      ? { coding: [CODES.jpReportCode, gramStainCode], text: 'Gram stain' }
      : { coding: [gramStainCode], text: 'Gram stain' },
    effectiveDateTime: effective,
    issued,
    ...(model.signOff ? { resultsInterpreter: [{ display: model.signOff.by.name }] } : {}),
    specimen: [specimenRef],
    result: resultRefs,
    ...(mediaRefs.length ? { media: mediaRefs.map((m) => ({ comment: m.comment, link: m.ref })) } : {}),
    conclusion,
    ...(conclusionCode.length ? { conclusionCode } : {}),
  };
  add(report, `report/${subjectKey}`);

  // The report first, then what it references.
  const ordered = [entries.at(-1)!, ...entries.slice(0, -1)];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: ordered.map((e): BundleEntry => ({
      fullUrl: e.fullUrl,
      resource: e.resource,
      request: {
        method: 'PUT',
        url: `${e.resource.resourceType}?identifier=${encodeURIComponent(system)}|${encodeURIComponent(e.identifierValue)}`,
      },
    })),
  };
}

function deviceKey(e: EngineInfo): string {
  return `device/${e.name}/${e.version}/${e.model?.sha256 ?? 'no-model'}`;
}

function buildDevice(e: EngineInfo, identifier: Device['identifier']): Device {
  return {
    resourceType: 'Device',
    identifier,
    status: 'active',
    manufacturer: 'gramscope',
    deviceName: [
      { name: `gramscope ${e.name} engine`, type: 'manufacturer-name' },
      ...(e.model ? [{ name: e.model.name, type: 'model-name' as const }] : []),
    ],
    ...(e.model ? { modelNumber: e.model.version } : {}),
    type: { text: 'Gram-stain image analysis software (decision support)' },
    version: [
      { type: { text: 'engine' }, value: e.version },
      ...(e.model ? [{ type: { text: 'model' }, value: e.model.version }] : []),
    ],
    note: [
      {
        text: e.model
          ? `Model ${e.model.name} ${e.model.version}, id ${e.model.id}, sha256 ${e.model.sha256}`
          : 'Classical morphology engine without trained weights',
      },
    ],
  };
}
