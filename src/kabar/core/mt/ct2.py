from types import MappingProxyType
NLLB_CODES = MappingProxyType({"vi": "vie_Latn", "en": "eng_Latn", "id": "ind_Latn"})
