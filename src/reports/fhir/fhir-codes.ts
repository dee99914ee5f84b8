/**
 * Every code gramscope puts in FHIR resources, in one place (docs/reports.md has the same table).
 * Sources: TAXONOMY.md, HL7 v2 table 0074, LOINC, SNOMED CT, and JP Core v1.1 (jpfhir.jp).
 */
import type { Coding } from 'fhir/r4.js';

export const SYSTEMS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  v2_0074: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  v2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  mediaType: 'http://terminology.hl7.org/CodeSystem/media-type',
  ucum: 'http://unitsofmeasure.org',
  jpSimpleObservationCategory: 'http://jpfhir.jp/fhir/core/CodeSystem/JP_SimpleObservationCategory_CS',
  jpMicrobiologyCategory: 'http://jpfhir.jp/fhir/core/CodeSystem/JP_MicrobiologyCategory_CS',
  jpDocumentCodes: 'http://jpfhir.jp/fhir/core/CodeSystem/JP_DocumentCodes_CS',
  jlac10: 'http://medis.or.jp/CodeSystem/master-JLAC10-17digits',
  /** gramscope's own measures (counts and shares) where no standard code fits. */
  gramscopeMeasure: 'urn:gramscope:codesystem:measure',
} as const;

export const PROFILES = {
  jpDiagnosticReportMicrobiology:
    'http://jpfhir.jp/fhir/core/StructureDefinition/JP_DiagnosticReport_Microbiology',
  jpObservationMicrobiology: 'http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_Microbiology',
} as const;

export const CODES = {
  /** LOINC 664-3: any specimen. */
  gramStainAnySpecimen: {
    system: SYSTEMS.loinc,
    code: '664-3',
    display: 'Microscopic observation [Identifier] in Specimen by Gram stain',
  },
  /** LOINC 87969-2: blood (a positive blood culture). */
  gramStainBlood: {
    system: SYSTEMS.loinc,
    code: '87969-2',
    display: 'Microscopic observation [Identifier] in Blood by Gram stain',
  },
  microbiologyCategory: { system: SYSTEMS.v2_0074, code: 'MB', display: 'Microbiology' },
  laboratoryCategory: { system: SYSTEMS.observationCategory, code: 'laboratory', display: 'Laboratory' },
  gramStainMethod: { system: SYSTEMS.snomed, code: '62777006', display: 'Gram stain method' },
  bloodSpecimen: { system: SYSTEMS.snomed, code: '119297000', display: 'Blood specimen' },
  accessionIdentifier: { system: SYSTEMS.v2_0203, code: 'ACSN', display: 'Accession ID' },
  mediaImage: { system: SYSTEMS.mediaType, code: 'image', display: 'Image' },
  organismCount: { system: SYSTEMS.gramscopeMeasure, code: 'organism-count', display: 'Organisms counted' },
  organismShare: {
    system: SYSTEMS.gramscopeMeasure,
    code: 'organism-share',
    display: 'Share of all organisms counted',
  },
  // JP Core
  jpLaboratory: { system: SYSTEMS.jpSimpleObservationCategory, code: 'laboratory', display: 'Laboratory' },
  jpMicrobiologyStudies: { system: SYSTEMS.loinc, code: '18725-2', display: 'Microbiology studies' },
  jpGramStain: { system: SYSTEMS.jpMicrobiologyCategory, code: 'gram-stain', display: 'Gram stain' },
  jpReportCategory: { system: SYSTEMS.loinc, code: 'LP7819-8', display: '微生物検査/MICRO' },
  jpReportCode: { system: SYSTEMS.jpDocumentCodes, code: '18725-2', display: '微生物学的検査報告書' },
} as const satisfies Record<string, Coding>;
