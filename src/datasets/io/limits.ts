/**
 * Bounds on what a dataset command will read, so a hostile or mistaken input (a 10 GB JSON file, a
 * folder of a million files, a label file with a billion lines) is refused quickly with a clear
 * error instead of exhausting memory.
 */
export interface DatasetLimits {
  /** Largest annotation file (COCO / VoTT JSON, data.yaml), bytes. */
  readonly maxJsonBytes: number;
  /** Largest YOLO label file, bytes. */
  readonly maxLabelFileBytes: number;
  /** Most images in one dataset. */
  readonly maxImages: number;
  /** Most boxes in one dataset. */
  readonly maxAnnotations: number;
  /** Most files walked in a dataset folder. */
  readonly maxFiles: number;
}

export const DEFAULT_DATASET_LIMITS: DatasetLimits = {
  maxJsonBytes: 512 * 1024 * 1024,
  maxLabelFileBytes: 16 * 1024 * 1024,
  maxImages: 1_000_000,
  maxAnnotations: 20_000_000,
  maxFiles: 2_000_000,
};
