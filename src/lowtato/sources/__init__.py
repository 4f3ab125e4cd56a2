"""Sources: material (an article, a PDF, a video's transcript, a post, a question answered by
a search engine) extracted to text in the background, for AI generation to write from."""
