"""The write side: the writer, change sets, assessments, SPARQL Update, tokens."""
