"""The output catalog: every output table, column, number format and phrase, once.

- :mod:`literacy.catalog.formats`: the number formats (share, change, count, score,
  coefficient, p-value): one text formatter each and the workbook's Excel formats;
- :mod:`literacy.catalog.columns`: every output column's zh/en labels, format and description;
- :mod:`literacy.catalog.tables`: every output table's path, files, sheet, schema and columns,
  and the headline's figures;
- :mod:`literacy.catalog.vocabulary`: the verdict, significance, reliability and source wording
  in zh and en;
- :mod:`literacy.catalog.reference`: the output reference page written from the catalog.

The workbook, the report documents, the command line's headline and the docs read it.
"""

from literacy.catalog.columns import COLUMNS, Column, column, column_labels, excel_formats
from literacy.catalog.formats import (FORMATS, NumberFormat, as_number, coefficient_text, count_text, p_value_text,
                                      points_text, score_text, share_text)
from literacy.catalog.tables import HEADLINE_FIGURES, OUTPUT_TABLES, OutputTable, output_table, table_columns
from literacy.catalog.vocabulary import (RELIABILITY_LABELS, SIGNIFICANCE, SOURCE_LABELS, STATUS_LABELS,
                                         VERDICT_LABELS, VERDICT_SENTENCES, VERSUS_NATIONAL, verdict_label,
                                         verdict_sentence)

__all__ = ["COLUMNS", "Column", "column", "column_labels", "excel_formats", "FORMATS", "NumberFormat", "as_number",
           "coefficient_text", "count_text", "p_value_text", "points_text", "score_text", "share_text",
           "HEADLINE_FIGURES", "OUTPUT_TABLES", "OutputTable", "output_table", "table_columns",
           "RELIABILITY_LABELS", "SIGNIFICANCE", "SOURCE_LABELS", "STATUS_LABELS", "VERDICT_LABELS",
           "VERDICT_SENTENCES", "VERSUS_NATIONAL", "verdict_label", "verdict_sentence"]
