# SPDX-License-Identifier: MIT
# bash completion for lstar(1): installed as
# $(PREFIX)/share/bash-completion/completions/lstar, where bash-completion
# finds it when `lstar` is first completed; `source` it to try it by hand.
# It needs nothing of bash-completion (it uses _command_offset, for the
# program's own arguments, when that is there).
#
# The options are lstar --help's, lstar fuzz --help's and lstar exec
# --help's, and the profile
# names policy/profiles/'s: tests/test_install.c fails when they differ.

_lstar_profiles='compute default readonly stdio'
_lstar_run_opts='-p --policy --env --cwd --uid --gid --host-user --hostname --rlimit --mem --timeout
	--ro --rw --net --system --inside -v --verbose --trace --trace= --trace-format --stats
	--tmp --tmpfs --learn --exec-socket --help --'
# fuzz refuses --rw, --tmp, --tmpfs, --learn, --stats, --inside and --exec-socket.
_lstar_fuzz_opts='-p --policy --env --cwd --uid --gid --host-user --hostname --rlimit --mem --timeout
	--ro --net --system -v --verbose --trace --trace= --trace-format --stdin --input-file
	--corpus --crashes --help --'
_lstar_exec_opts='--socket --env --cwd --help --'
# The options that take the next word as their value (the lines' breaks
# and tabs are read as spaces).
_lstar_arg_opts=' -p --policy --env --cwd --uid --gid --host-user --hostname --rlimit --mem --timeout
	--ro --rw --net --learn --trace-format --input-file --corpus --crashes --exec-socket
	--socket --tmpfs '

# _lstar_reply_files KIND CUR [PREFIX] - files (-f) or directories (-d)
# that begin with CUR, each after PREFIX, as file names (quoted, a slash
# after a directory).
_lstar_reply_files()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen "$1" -P "$3" -- "$2"))
}

# _lstar_reply_policy CUR - a stock profile's name, or a policy file (a
# name with a / is always a file).
_lstar_reply_policy()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$1"))
	if [[ $1 != */* ]]; then
		COMPREPLY+=($(IFS=' '; compgen -W "$_lstar_profiles" -- "$1"))
	fi
}

# _lstar_reply_commands CUR - the program: a command, or a file by its path.
_lstar_reply_commands()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	if [[ $1 == */* ]]; then
		COMPREPLY=($(compgen -f -- "$1"))
	else
		COMPREPLY=($(compgen -c -- "$1" | sort -u))
	fi
	return 0
}

_lstar()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]} i w opts

	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W 'run exec fuzz doctor --help --version' -- "$cur"))
		return 0
	fi
	case $cmd in
	run) opts=$_lstar_run_opts ;;
	fuzz) opts=$_lstar_fuzz_opts ;;
	exec) opts=$_lstar_exec_opts ;;
	*) return 0 ;;
	esac

	# Where the options end: at --, or at the first word that is neither
	# an option nor an option's value (lstar stops there too).
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -- ]]; then
			((i++))
			break
		elif [[ ${_lstar_arg_opts//[$'\n\t']/ } == *" $w "* ]]; then
			((i++))
		elif [[ $w != -* && $w != = && ${COMP_WORDS[i-1]} != = ]]; then
			break
		fi
	done
	if ((i < COMP_CWORD)); then
		# PROGRAM's arguments: its own completion, when bash-completion
		# offers one, else file names.
		if declare -F _command_offset >/dev/null; then
			_command_offset "$i"
		else
			_lstar_reply_files -f "$cur"
		fi
		return 0
	elif ((i == COMP_CWORD)) && [[ ${COMP_WORDS[i-1]} == -- ]]; then
		_lstar_reply_commands "$cur"
		return 0
	fi

	# --trace-format=FORMAT, as one word or as bash splits it at the =.
	if [[ $cur == --trace-format=* ]]; then
		COMPREPLY=($(compgen -W 'text json' -P --trace-format= -- "${cur#--trace-format=}"))
		return 0
	elif [[ $prev == --trace-format ||
		($prev == = && ${COMP_WORDS[COMP_CWORD-2]} == --trace-format) ]]; then
		COMPREPLY=($(compgen -W 'text json' -- "${cur#=}"))
		return 0
	fi

	# --trace=FILE, as one word or as bash splits it at the =.
	if [[ $cur == --trace=* ]]; then
		_lstar_reply_files -f "${cur#--trace=}" --trace=
		return 0
	elif [[ $cur == = && $prev == --trace ]]; then
		_lstar_reply_files -f ''
		return 0
	elif [[ $prev == = && ${COMP_WORDS[COMP_CWORD-2]} == --trace ]]; then
		_lstar_reply_files -f "$cur"
		return 0
	fi

	case $prev in
	-p | --policy)
		_lstar_reply_policy "$cur"
		return 0 ;;
	--cwd | --corpus | --crashes)
		_lstar_reply_files -d "$cur"
		return 0 ;;
	# A tree is a directory or one file.
	--ro | --rw | --learn | --input-file | --exec-socket | --socket)
		_lstar_reply_files -f "$cur"
		return 0 ;;
	--env)
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -v -S = -- "$cur"))
		return 0 ;;
	# A limit's name, as prlimit(1) spells it; the values are the user's.
	--rlimit)
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -S = -W 'as core cpu data fsize locks memlock msgqueue
			nice nofile nproc rss rtprio rttime sigpending stack' -- "$cur"))
		return 0 ;;
	# A net rule is one quoted word of several: nothing to offer.
	--mem | --timeout | --net | --uid | --gid | --host-user | --hostname)
		return 0 ;;
	esac

	if [[ $cur == -* || -z $cur ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null
		fi
	else
		# The first word that is not an option is the program.
		_lstar_reply_commands "$cur"
	fi
}
complete -F _lstar lstar
