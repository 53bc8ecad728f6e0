"""Node configuration: the model, its loader, the PCS rules, the frame plan and estimates."""
