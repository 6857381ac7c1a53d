"""siting: plan where a city puts its community embedded service facilities (社区嵌入式服务设施)."""

__version__ = "0.1.0"
