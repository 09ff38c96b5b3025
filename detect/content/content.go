package content
