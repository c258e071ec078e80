"""What a reader gets: the Excel workbook, the evaluation report (Word and PDF) with its figures,
and the reviewer notebooks with their support functions.
"""
