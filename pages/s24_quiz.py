"""Quiz 2.4: written questions from lessons/2.4/quiz.toml and engine-generated practice."""

from ui import quiz

quiz.section_page("2.4", "Quiz 2.4: Resource sharing and VM scheduling",
                  "Static partitioning, CPU pinning and scheduling, Xen's schedulers, FCFS I/O and shared I/O.")
