export interface DataStoreTable {
  id: string;
  /** ISO 3166-1 alpha-2 country of the hardware. */
  country: string;
  description: string;
  created_at: number;
}

export interface DataCategoryTable {
  id: string;
  name: string;
  /** `cabinet` | `personal` | `usage` | `depersonalised` (DESIGN.md "Classes of data"). */
  class: string;
  store_id: string;
  /** 0/1: the law keeps this category on hardware in Uzbekistan (LAW.md, art. 27-1). */
  must_stay_in_uz: number;
  created_at: number;
  updated_at: number;
}

export interface PurposeTable {
  id: string;
  idx: number;
  current_version: number;
  created_at: number;
  updated_at: number;
}

export interface PurposeVersionTable {
  purpose_id: string;
  version: number;
  /** JSON: the PurposeDefinition of this version; never updated. */
  definition: string;
  created_by: string;
  created_at: number;
}

export interface PurposeTables {
  data_stores: DataStoreTable;
  data_categories: DataCategoryTable;
  purposes: PurposeTable;
  purpose_versions: PurposeVersionTable;
}
