# The VFS and the file system calls (included by libos/CMakeLists.txt). Portable sources
# also build for the host, where unit tests and the cpio fuzzer run them under sanitizers.
set(UK_VFS_PORTABLE_SOURCES
  src/vfs/anon.cpp
  src/vfs/cpio.cpp
  src/vfs/devices.cpp
  src/vfs/env.cpp
  src/vfs/epoll.cpp
  src/vfs/eventfd.cpp
  src/vfs/fd_table.cpp
  src/vfs/file.cpp
  src/vfs/file_mapping.cpp
  src/vfs/node.cpp
  src/vfs/ops.cpp
  src/vfs/page_tree.cpp
  src/vfs/pipe.cpp
  src/vfs/pseudo.cpp
  src/vfs/ramfs.cpp
  src/vfs/socket.cpp
  src/vfs/text.cpp
  src/vfs/unix_socket.cpp
  src/vfs/vfs.cpp
  src/vfs/wait.cpp)

set(UK_VFS_GUEST_SOURCES
  src/syscalls/fs_attr.cpp
  src/syscalls/fs_info.cpp
  src/syscalls/fs_mmap.cpp
  src/syscalls/fs_namei.cpp
  src/syscalls/fs_open.cpp
  src/syscalls/fs_stat.cpp
  src/syscalls/fs_user.cpp
  src/tty/console_file.cpp
  src/vfs/devfs.cpp
  src/vfs/procfs.cpp
  src/vfs/procfs_cpu.cpp
  src/vfs/sysfs.cpp
  src/vfs/system.cpp)
