"""The claims REST API: views, filters, serializers and the fast read path."""
