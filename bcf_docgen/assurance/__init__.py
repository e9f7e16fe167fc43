"""Regional assurance: assessors' judgements kept as data, and the summary across plans.

A region's assurance team rates every plan of a round (each national condition and each
key line of enquiry R, A or G; high risk or not; the recommendation). Typed by hand, such
a grid drifts from its own statements; here the judgements are read from assessment files
(`assessments`), each plan's own figures are read from the plan (`plans`), and the grids
and every sentence about them are computed once (`grid`), then written through the one
document model (`document`) and as a workbook (`workbook`). `summary` runs it all.
docs/assurance.md describes the files and the command.
"""
